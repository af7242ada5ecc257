// swift-tools-version:6.0
// Micro-benchmark of the audit log's per-record cost (issue 6): render,
// chain hash, write, and the whole AuditLog pipeline, beside baselines in
// the same run. A separate package so that the main build stays as it is;
// it depends on the root package's `SockwardenAudit` product by path and
// reaches the internal renderer through `@testable import Proxy`, so it is
// built with -enable-testing (see bench/README.md):
//   swift build --package-path bench/audit -c release --scratch-path bench/audit/.build-bench \
//       -Xswiftc -enable-testing
import PackageDescription

let package = Package(
    name: "sockwarden-audit-bench",
    dependencies: [.package(name: "sockwarden", path: "../..")],
    // Top-level benchmark code: the Swift 5 mode spares it actor isolation.
    targets: [
        .executableTarget(name: "AuditBench", dependencies: [.product(name: "SockwardenAudit", package: "sockwarden")]),
    ],
    swiftLanguageModes: [.v5]
)
