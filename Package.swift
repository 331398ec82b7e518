// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HarmRank",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "harmrank", targets: ["harmrank"]),
        .executable(name: "IngestService", targets: ["IngestService"]),
        .executable(name: "ScoreService", targets: ["ScoreService"]),
        .executable(name: "RankService", targets: ["RankService"]),
        .executable(name: "NotifyService", targets: ["NotifyService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // jwt-kit needs swift-crypto 4; HarmRank uses only APIs that both majors have.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        // Test certificates for HTTPS.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // `swift package generate-documentation --target HarmRankCore` (or HarmRankKafka) builds the DocC catalogues.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CXGBoost",
            pkgConfig: "xgboost",
            providers: [.apt(["libxgboost-dev"])]
        ),
        // SQLite settings that only its variadic C configuration call can make.
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The scoring core: records and their validation, the harm table, windows, Dauntless+, ranked lists,
        // hotspots and alert rules. It depends on nothing that reaches Kafka, SQLite or the network, so the compiler
        // keeps it pure and it can be tested, benchmarked and fuzzed alone.
        .target(name: "HarmRankCore", resources: [.copy("Resources")]),
        // The Kafka layer over the system librdkafka.
        .target(
            name: "HarmRankKafka",
            dependencies: [
                "CKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The forecast's models over the system XGBoost: training, prediction, SHAP contributions and the model file.
        // The features and metrics they work on are the core's.
        .target(name: "HarmRankForecast", dependencies: ["HarmRankCore", "CXGBoost"]),
        // The service runtime: settings, HTTP, storage, messages and the partition loop. It re-exports the core and
        // the Kafka layer, so a service imports one module.
        .target(
            name: "Shared",
            dependencies: [
                "HarmRankCore",
                "HarmRankKafka",
                "CSQLiteSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(name: "IngestService", dependencies: ["Shared"]),
        .executableTarget(name: "ScoreService", dependencies: ["Shared"]),
        .executableTarget(
            name: "RankService", dependencies: ["Shared", "HarmRankForecast", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "NotifyService",
            dependencies: [
                "Shared", .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "harmrank",
            dependencies: [
                // `harmrank chaos` checks a run against the brute-force recomputation the tests use.
                "Shared", "TestSupport", "HarmRankForecast",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "Shared", "HarmRankCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // What several test targets share: the brute-force recomputation of the lists.
        .target(
            name: "TestSupport",
            dependencies: [
                "Shared", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Shared", "HarmRankKafka", "CKafka", "TestSupport", "HarmRankForecast", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(name: "HeapUsage", path: "Benchmarks/HeapUsage"),
        .executableTarget(
            name: "ScoringBenchmarks",
            dependencies: ["HarmRankCore", "HeapUsage", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/ScoringBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .testTarget(
            name: "ScoringTests",
            dependencies: [
                "Shared", "HarmRankCore", "TestSupport", "HarmRankForecast", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
