/// The shared parts of the `--help` pages, so every command lays them out alike.
enum HelpText {
    /// The EXIT STATUS section: one row per status, the status in a column of its own and the text
    /// wrapped under itself, at most 78 columns wide:
    ///
    ///     EXIT STATUS
    ///       0   listed
    ///       74  the state directory is missing or cannot be read
    static func exitStatus(_ rows: [(Int32, String)]) -> String {
        var lines = ["", "EXIT STATUS"]
        for (status, text) in rows {
            let code = "\(status)"
            var line = "  " + code + String(repeating: " ", count: max(1, 4 - code.count))
            var fresh = true
            for word in text.split(separator: " ") {
                if !fresh && line.count + 1 + word.count > 78 {
                    lines.append(line)
                    line = String(repeating: " ", count: 6)
                    fresh = true
                }
                line += (fresh ? "" : " ") + word
                fresh = false
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Rows most store commands share.
    static let usage: (Int32, String) = (64, "bad usage")
    static let stateUnreadable: (Int32, String) = (
        74, "the state directory is missing (the places feedd looked are listed) or cannot be read"
    )
    static let stateIO: (Int32, String) = (
        74, "the state directory is missing (the places feedd looked are listed), or an I/O error"
    )
    static let locked: (Int32, String) = (
        75, "the state directory is in use by another feedd process (stop the daemon first)"
    )
    static let configurationUnreadable: (Int32, String) = (
        78,
        "the configuration file that names the state directory cannot be read, or its store or store_password has a problem (the database's password cannot be read)"
    )
    static let unknownName: (Int32, String) = (
        1, "no feed or hook has that name (a close one is suggested)"
    )
}
