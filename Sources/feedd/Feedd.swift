import ArgumentParser

@main
struct Feedd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feedd", abstract: "feed aggregator daemon")
}
