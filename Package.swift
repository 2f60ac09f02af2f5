// swift-tools-version:6.2
// Quarry: a self-hosted RAG search and indexing service. Module layout and import rules: Docs/ARCHITECTURE.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// A Debian C library reached through pkg-config, as a Swift module `name`.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/CLibraries/\(name)", pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "quarry",
    // No `platforms`: Quarry builds on Linux (x86_64 here; its C kernels also compile for aarch64,
    // which a test checks) against Debian's C libraries, and imports Glibc; nothing shows it building on macOS.
    products: [
        .executable(name: "quarry", targets: ["quarry"]),
        // For Fuzz/, which builds the parsers with libFuzzer in a package of its own.
        .library(name: "QuarryParsing", targets: ["QuarryParsing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        // The Model Context Protocol's Swift SDK: Quarry's MCP server at /mcp.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        // Traces over OTLP/HTTP (not gRPC: one exporter is enough, and gRPC's build is long).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // C libraries from Debian's packages.
        systemLibrary("CPoppler", pkgConfig: "poppler-glib", apt: "libpoppler-glib-dev"),
        systemLibrary("CLibXML2", pkgConfig: "libxml-2.0", apt: "libxml2-dev"),
        systemLibrary("CCurl", pkgConfig: "libcurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("CMongoc", pkgConfig: "libmongoc-1.0", apt: "libmongoc-dev"),
        systemLibrary("CHiredis", pkgConfig: "hiredis", apt: "libhiredis-dev"),
        systemLibrary("COpenBLAS", pkgConfig: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),

        .target(name: "CCurlShims", dependencies: ["CCurl"], path: "Sources/CLibraries/CCurlShims"),
        // The encoder's numeric kernels: optimised in debug builds too, or tests that embed crawl.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),

        .target(
            name: "QuarryCore",
            // _CryptoExtras: RSA, for the RS256 assertions of Google service accounts.
            // Tracing: the API only (no-op until a composition root bootstraps a tracer), to carry a trace through queued jobs.
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(name: "QuarryParsing", dependencies: ["QuarryCore", "CPoppler", "CLibXML2"], swiftSettings: strict),
        .target(name: "QuarryHTTP", dependencies: ["QuarryCore", "CCurl", "CCurlShims"], swiftSettings: strict),
        .target(name: "QuarryEmbedding", dependencies: ["QuarryCore", "CKernels"], swiftSettings: strict),
        .target(name: "QuarryEmbedded", dependencies: ["QuarryCore", "CKernels", "CSQLite"], swiftSettings: strict),
        .target(
            name: "QuarryQdrant",
            dependencies: ["QuarryCore", "QuarryHTTP", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "QuarryMongo", dependencies: ["QuarryCore", "CMongoc", .product(name: "Logging", package: "swift-log")], swiftSettings: strict
        ),
        .target(name: "QuarryRedis", dependencies: ["QuarryCore", "CHiredis"], swiftSettings: strict),
        .target(
            name: "QuarryEngine",
            dependencies: [
                "QuarryCore", "QuarryParsing", .product(name: "Metrics", package: "swift-metrics"), .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "QuarryWorkflow",
            dependencies: [
                "QuarryCore",
                "QuarryEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "QuarryServer",
            dependencies: [
                "QuarryCore",
                "QuarryEngine",
                "QuarryWorkflow",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "QuarryCLI",
            dependencies: [
                "CKernels",
                "QuarryCore",
                "QuarryParsing",
                "QuarryEmbedding",
                "QuarryEmbedded",
                "QuarryEngine",
                "QuarryHTTP",
                "QuarryMongo",
                "QuarryQdrant",
                "QuarryRedis",
                "QuarryServer",
                "QuarryWorkflow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "quarry",
            dependencies: ["QuarryCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),

        .target(name: "QuarryTestSupport", dependencies: ["QuarryCore"], path: "Tests/QuarryTestSupport", swiftSettings: strict),
        .testTarget(
            name: "QuarryCoreTests", dependencies: ["QuarryCore", "QuarryTestSupport"],
            exclude: ["Peers"], swiftSettings: strict
        ),
        .testTarget(
            name: "QuarryParsingTests",
            dependencies: ["QuarryParsing", "QuarryEmbedding", "QuarryTestSupport"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "QuarryEmbeddedTests", dependencies: ["QuarryEmbedded", "QuarryCore", "QuarryEngine", "COpenBLAS", "QuarryTestSupport"],
            swiftSettings: strict
        ),
        // One suite per port, the same assertions against the embedded and the production back end.
        .testTarget(
            name: "QuarryContractTests",
            dependencies: [
                "QuarryCore", "QuarryEmbedded", "QuarryEngine", "QuarryHTTP", "QuarryMongo", "QuarryQdrant", "QuarryRedis", "QuarryWorkflow", "QuarryTestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "QuarryEmbeddingTests", dependencies: ["QuarryEmbedding", "CKernels", "QuarryTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CLibrariesTests",
            dependencies: ["CPoppler", "CLibXML2", "CCurl", "CMongoc", "CHiredis", "COpenBLAS", "CSQLite"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "QuarryServerTests",
            dependencies: [
                "QuarryServer",
                "QuarryEmbedding",
                "QuarryEmbedded",
                "QuarryEngine",
                "QuarryHTTP",
                "QuarryWorkflow",
                "QuarryTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Peers"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "QuarryCLITests",
            dependencies: ["QuarryCLI", "QuarryCore", "QuarryEmbedded", "QuarryMongo", "QuarryRedis", "QuarryWorkflow", "QuarryTestSupport", "quarry"],
            swiftSettings: strict
        ),
    ]
)
