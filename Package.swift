// swift-tools-version:6.0
// Sockwarden: a policy proxy in front of the Docker Engine API socket.
// Zero third-party packages: standard library, Foundation (off the hot path),
// Dispatch, Glibc and our own C shims.
import PackageDescription

let package = Package(
    name: "sockwarden",
    products: [
        .executable(name: "sockwarden", targets: ["sockwarden"]),
        // The pure layers, for the fuzz targets in fuzz/ and the benchmark in bench/.
        .library(name: "SockwardenCore", targets: ["HTTP1", "GoJSON", "EngineAPI", "Policy"]),
        // The audit log (and the rest of the proxy layer), for the micro-benchmark in bench/audit.
        .library(name: "SockwardenAudit", targets: ["Proxy"]),
    ],
    targets: [
        // Pure, byte-in/value-out layers. No I/O, no Dispatch, no sockets, no
        // threads; from Glibc only pure byte functions (memchr, memcmp).
        .target(name: "HTTP1"),
        .target(name: "GoJSON"),
        .target(name: "EngineAPI", dependencies: ["GoJSON"]),
        .target(name: "Policy", dependencies: ["EngineAPI", "GoJSON"]),
        .target(name: "Tenancy", dependencies: ["EngineAPI", "GoJSON"]),
        // I/O at the edges.
        .target(name: "CShims"),
        .target(name: "Posix", dependencies: ["CShims"]),
        .target(name: "Proxy", dependencies: ["HTTP1", "GoJSON", "EngineAPI", "Policy", "Tenancy", "Posix", "CShims"]),
        .executableTarget(name: "sockwarden", dependencies: ["Proxy", "Policy", "EngineAPI", "GoJSON", "Tenancy", "Posix"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "GoJSONTests", dependencies: ["GoJSON"]),
        .testTarget(name: "EngineAPITests", dependencies: ["EngineAPI", "GoJSON"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "EngineAPI", "GoJSON"]),
        .testTarget(name: "TenancyTests", dependencies: ["Tenancy", "EngineAPI", "GoJSON"]),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "GoJSON", "Posix"]),
        // fuzz/Sources/FuzzHTTP1Response's Go model against Go's own reading
        // (scripts/go-http-oracle): its sources are symlinks, no dependencies.
        .testTarget(name: "GoClientModelTests"),
    ]
)
