// swift-tools-version:6.0
// Micro-benchmark of the judged-body path of one container create (issue 6):
// route resolve, decode, facts, judge, re-encode, facts rendering, each in
// ns per request and allocations per request, beside two baselines in the
// same run (a byte copy and Foundation's JSONSerialization on the same body).
// A separate package, like fuzz/, depending on `SockwardenCore` by path.
// Run it with bench/micro/run (see bench/README.md).
import PackageDescription

let package = Package(
    name: "sockwarden-micro",
    dependencies: [.package(name: "sockwarden", path: "../..")],
    targets: [
        // Counts malloc/calloc/realloc/posix_memalign/aligned_alloc calls
        // (interposed in the executable, forwarding to glibc).
        .target(name: "AllocCounter"),
        .executableTarget(name: "MicroBench", dependencies: [
            "AllocCounter",
            .product(name: "SockwardenCore", package: "sockwarden"),
        ]),
        .executableTarget(name: "JudgeTime", dependencies: [
            .product(name: "SockwardenCore", package: "sockwarden"),
            .product(name: "SockwardenAudit", package: "sockwarden"),
        ]),
    ]
)
