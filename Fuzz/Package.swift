// swift-tools-version:6.2
// libFuzzer targets for Quarry's parsers, in a package of their own so that `swift build` of the
// main package never meets their missing `main`. How to run them: Docs/FUZZING.md.
import Foundation
import PackageDescription

/// SwiftPM names a local package after its folder, and checkouts are named freely.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "quarry-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "FuzzPDF", dependencies: [.product(name: "QuarryParsing", package: root)]),
        .executableTarget(name: "FuzzHTML", dependencies: [.product(name: "QuarryParsing", package: root)]),
    ]
)
