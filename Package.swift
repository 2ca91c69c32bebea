// swift-tools-version:6.0
import PackageDescription

/// Upcoming features every target builds with (STYLE.md section 5).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The parser's hot targets skip the run-time exclusivity checks in release builds: they cost a tenth of
/// the parse time (docs/benchmarks.md). Debug builds, which the tests run, keep them, and the compiler
/// still proves exclusivity statically everywhere.
let hotPathSettings: [SwiftSetting] =
    strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// The git commit `feedd --version` names: `$FEEDD_GIT_COMMIT`, which scripts/install and scripts/test set
/// from git, else "unknown". (SwiftPM's `Context.gitInformation` is not used: the evaluated manifest is
/// cached across commits, so it would name an old commit; a changed variable does re-evaluate it.)
let buildCommit = Context.environment["FEEDD_GIT_COMMIT"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"

let package = Package(
    name: "feedd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "feedd", targets: ["feedd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // FilePath, for swift-subprocess's executable and working directory (already its dependency).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // TOML for the configuration file (toml++ underneath, built as C++).
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The listener's /metrics: swift-metrics' counters, timers and gauges into a Prometheus registry.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The PostgreSQL store's client (issue 16): the wire protocol, TLS through swift-nio-ssl.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries: module maps and the few shims Swift cannot call directly.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libcurl's headers and a loader: libcurl is loaded on first use, not linked (Sources/CCurl/loader.c).
        .target(name: "CCurl"),

        // The only Swift code that touches the C libraries.
        .target(name: "XML", dependencies: ["CLibXML2"], swiftSettings: hotPathSettings),
        .target(name: "Curl", dependencies: ["CCurl"], swiftSettings: strictSettings),
        // Files, standard streams and process exit over Glibc, with errors that say what failed.
        // `SystemClock`, the real `TimeSource` of FeedModel, lives here too.
        .target(name: "Platform", dependencies: ["CBuildInfo", "FeedModel"], swiftSettings: strictSettings),
        // The commit of the build, for `feedd --version` (a C string define: Swift defines carry no value).
        .target(
            name: "CBuildInfo",
            cSettings: [
                .define(
                    "FEEDD_BUILD_COMMIT",
                    to: "\"" + String(buildCommit.filter { $0.isLetter || $0.isNumber || "-._".contains($0) }) + "\"")
            ]
        ),

        // Plain value types of spec/feed-json.md and their JSON form.
        .target(
            name: "FeedModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "FeedParser", dependencies: ["FeedModel", "XML"], swiftSettings: hotPathSettings),
        .target(name: "Fetcher", dependencies: ["FeedModel", "Curl", "Platform"], swiftSettings: strictSettings),
        // The crash-safe file store: fetch state, seen items, outbox (docs/store.md).
        .target(name: "Store", dependencies: ["FeedModel", "Platform"], swiftSettings: strictSettings),
        // Where a PostgreSQL store is (`store = "postgres://…"`): the URL parsed, sslmode, the password's
        // source, masked display. A pure value without postgres-nio, so the configuration can check it.
        .target(name: "StoreLocation", dependencies: ["FeedModel"], swiftSettings: strictSettings),
        // The PostgreSQL store (docs/store.md): connection settings, schema migrations, leased
        // claims of feeds and deliveries for several instances sharing one database.
        .target(
            name: "PostgresStore",
            dependencies: [
                "FeedModel", "Store", "StoreLocation",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Delivery of new items: exec, webhook, jsonl, maildir and sendmail hooks, filters, retry policy.
        // XML for `PlainText`, the HTML-to-text converter and entity table the parser uses too.
        .target(
            name: "Hooks",
            dependencies: [
                "FeedModel", "Curl", "Platform", "XML",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strictSettings
        ),

        // The configuration file: TOML -> plain validated values with file:line problems (docs/config.md).
        .target(
            name: "Config",
            dependencies: ["FeedModel", "StoreLocation", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strictSettings
        ),

        // The composition root: settings, scheduler, poll pipeline, outbox worker, lifecycle, systemd notify.
        .target(
            name: "Daemon",
            dependencies: [
                "Config", "FeedModel", "FeedParser", "Fetcher", "Store", "StoreLocation", "PostgresStore", "Hooks",
                "Platform",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "feedd",
            dependencies: [
                "Config", "Curl", "Daemon", "FeedModel", "FeedParser", "Fetcher", "Hooks", "Platform", "PostgresStore",
                "Store", "StoreLocation", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Test support: fixtures as resources, a scripted HTTP server on 127.0.0.1, temp dirs, processes.
        .target(
            name: "TestSupport",
            dependencies: [
                "FeedModel",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FeedModelTests", dependencies: ["FeedModel"], swiftSettings: strictSettings),
        .testTarget(name: "XMLTests", dependencies: ["XML", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "FeedParserTests",
            dependencies: ["FeedParser", "FeedModel", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FetcherTests",
            dependencies: [
                "Curl", "FeedModel", "Fetcher", "TestSupport", .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "FeedModel", "Platform", "TestSupport", "StoreCrashWriter"],
            swiftSettings: strictSettings
        ),
        // A child process for the crash tests: commits batches and prints what was acknowledged.
        .executableTarget(
            name: "StoreCrashWriter",
            dependencies: ["Store", "FeedModel", "Platform"],
            path: "Tests/StoreCrashWriter",
            swiftSettings: strictSettings
        ),
        // Against a throwaway PostgreSQL server the tests start (Tests/TestSupport/PostgresServer.swift).
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "Store", "StoreLocation", "FeedModel", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "StoreLocationTests", dependencies: ["StoreLocation"], swiftSettings: strictSettings),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config", "FeedModel", "FeedParser", "StoreLocation", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HooksTests",
            dependencies: ["Hooks", "FeedModel", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Config", "Daemon", "FeedModel", "Fetcher", "Hooks", "Platform", "Store", "TestSupport", "DaemonChild",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // A child process for the daemon's end-to-end tests: settings from its arguments, then `Daemon.run`.
        .executableTarget(
            name: "DaemonChild",
            dependencies: [
                "Config", "Daemon", "Hooks", "Platform",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/DaemonChild",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "feedd", "FeedModel", "FeedParser", "PostgresStore", "Store", "StoreLocation", "TestSupport",
                .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

// Benchmarks (STYLE.md section 10): built only when FEEDD_BENCHMARKS is set, so `swift build` and
// `swift test` never compile them. `scripts/bench-poll` and `scripts/bench-store` set it.
if Context.environment["FEEDD_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(
            name: "feedd-bench-poll",
            dependencies: ["Fetcher"],
            path: "Benchmarks/PollBenchmark",
            swiftSettings: strictSettings
        )
    )
    package.targets.append(
        .executableTarget(
            name: "feedd-bench-daemon",
            dependencies: [
                "Config", "Daemon", "Hooks", "StoreLocation", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DaemonBenchmark",
            swiftSettings: strictSettings
        )
    )
    package.targets.append(
        .executableTarget(
            name: "feedd-bench-store",
            dependencies: ["Store", "FeedModel"],
            path: "Benchmarks/StoreBenchmark",
            swiftSettings: strictSettings
        )
    )
}

// The parser's libFuzzer target (`scripts/fuzz-parse`): built only when FEEDD_FUZZ is set, with
// `-sanitize=fuzzer,address` (which links libFuzzer), so ordinary builds never see it.
if Context.environment["FEEDD_FUZZ"] != nil {
    package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    package.targets.append(
        .executableTarget(
            name: "feedd-fuzz-parse",
            dependencies: ["CLibFuzzer", "FeedParser", "FeedModel", "Platform"],
            path: "Fuzz/ParseFuzzer",
            swiftSettings: strictSettings
        )
    )
}
