// swift-tools-version:6.0
// libFuzzer targets for Sockwarden's pure layers (issue 6). A separate
// package so that the main build never sees -sanitize=fuzzer; it depends on
// the root package's `SockwardenCore` product by path.
//
// Build and run with scripts/fuzz (see fuzz/README.md); by hand:
//   swift build --package-path fuzz -c release --scratch-path fuzz/.build-fuzz --sanitize fuzzer \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing --disable-dead-strip
// `-enable-testing` is for FuzzTOML, which reaches the internal TOMLParser
// through `@testable import Policy`.
import PackageDescription

let core: Target.Dependency = .product(name: "SockwardenCore", package: "sockwarden")

let package = Package(
    name: "sockwarden-fuzz",
    dependencies: [.package(name: "sockwarden", path: "..")],
    targets: [
        // Property checks, input splitting and file loading shared by the targets.
        .target(name: "FuzzSupport"),
        // One executable per fuzz target; each exports LLVMFuzzerTestOneInput
        // and gets its main() from libFuzzer.
        .executableTarget(name: "FuzzHTTP1Request", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzHTTP1Response", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzChunked", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzTOML", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzGoJSON", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzPolicy", dependencies: ["FuzzSupport", core]),
        .executableTarget(name: "FuzzBuildContext", dependencies: ["FuzzSupport", core]),
    ]
)
