import EngineAPI
import Foundation  // tests only: to read the shipped policy file
import Testing
@testable import Policy

@Suite("Builds judged by their Dockerfile (explain, and serve's pure part)")
struct DockerfileJudgeTests {
    static let narrowed = #"images = ["registry.example.com/*"]"#

    func judge(_ dockerfile: String, query: String = "t=app", policyText: String? = nil) throws -> WhatIf {
        var policy = try loadShippedPolicy("ci.toml")
        if let policyText {
            let path = repositoryRoot() + "/policies/ci.toml"
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: #"images = ["*"]"#, with: policyText)
            policy = try Policy.parse(bytes: Array(text.utf8), fileName: "ci-narrowed.toml")
        }
        let target = "/v1.41/build?\(query)"
        let whatIf = policy.whatIf(method: "POST", target: target, body: nil, contentType: "application/x-tar")
        return policy.whatIfBuild(whatIf, rawQuery: query, context: nil, dockerfile: Array(dockerfile.utf8),
                                  environment: LiteralHostEnvironment())
    }

    @Test("what a Dockerfile names or downloads decides the build", arguments: [
        ("an ordinary Dockerfile", "FROM busybox\nRUN true\n", nil as String?, "t=app", nil as String?),
        ("ADD of a URL: a download by the daemon", "FROM busybox\nADD http://127.0.0.1:8080/x /x\n", nil, "t=app", "builds"),
        ("ADD of a URL in ONBUILD", "FROM busybox\nONBUILD ADD https://example.com/x /x\n", nil, "t=app", "builds"),
        ("FROM outside a narrowed image list", "FROM busybox\n", narrowed, "t=app", "containers"),
        ("FROM through a build argument, outside the list", "ARG BASE=registry.example.com/ok\nFROM $BASE\n", narrowed, "t=app&buildargs=%7B%22BASE%22%3A%22evil%2Fx%22%7D", "containers"),
        ("COPY --from an image outside the list", "FROM registry.example.com/ok\nCOPY --from=busybox / /x\n", narrowed, "t=app", "containers"),
        ("FROM a registry on this host's loopback: pulled by the daemon", "FROM localhost:5000/base\nRUN true\n", nil, "t=app", "registries"),
        ("COPY --from an image on a registry on this host", "FROM busybox\nCOPY --from=127.0.0.1:5000/x / /x\n", nil, "t=app", "registries"),
        ("a stage is no image", "FROM registry.example.com/ok AS b\nFROM b\nCOPY --from=b / /x\n", narrowed, "t=app", nil),
        ("ADD with a variable cannot be decided", "FROM busybox\nARG U\nADD $U /x\n", nil, "t=app", "build-context"),
        ("a remote context's Dockerfile is not read (remote-contexts decides)", "FROM busybox\nADD http://x/y /y\n", nil, "remote=https://example.com/c.git", "builds"),
    ])
    func cases(_ c: (String, String, String?, String, String?)) throws {
        let result = try judge(c.1, query: c.3, policyText: c.2)
        if let rule = c.4 {
            #expect(!result.decision.allowed, "\(c.0): allowed")
            #expect(result.decision.rule == rule, "\(c.0): \(result.decision.rule): \(result.decision.reason)")
        } else {
            #expect(result.decision.allowed, "\(c.0): \(result.decision.reason)")
        }
    }

    @Test("a context is read as the daemon reads it: the Dockerfile the dockerfile parameter names")
    func context() throws {
        func entry(_ name: String, _ text: String) -> [UInt8] {
            var header = [UInt8](repeating: 0, count: 512)
            let data = Array(text.utf8)
            for (i, b) in name.utf8.enumerated() { header[i] = b }
            for (i, b) in "0000644\0".utf8.enumerated() { header[100 + i] = b }
            let size = String(data.count, radix: 8)
            let sizeField = String(repeating: "0", count: 11 - size.count) + size + "\0"
            for (i, b) in sizeField.utf8.enumerated() { header[124 + i] = b }
            for (i, b) in "00000000000\0".utf8.enumerated() { header[136 + i] = b }
            header[156] = UInt8(ascii: "0")
            for (i, b) in "ustar\u{0}00".utf8.enumerated() { header[257 + i] = b }
            for i in 148..<156 { header[i] = 0x20 }
            let sum = header.reduce(0) { $0 + Int($1) }
            let checksum = String(sum, radix: 8)
            let field = String(repeating: "0", count: 6 - checksum.count) + checksum + "\0 "
            for (i, b) in field.utf8.enumerated() { header[148 + i] = b }
            return header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        let tar = entry("Dockerfile", "FROM busybox\n") + entry("sub/Other", "FROM busybox\nADD http://127.0.0.1/x /x\n")
            + [UInt8](repeating: 0, count: 1024)
        let policy = try loadShippedPolicy("ci.toml")
        for (query, allowed) in [("t=a", true), ("t=a&dockerfile=sub/Other", false)] {
            let whatIf = policy.whatIf(method: "POST", target: "/v1.41/build?\(query)", body: tar, contentType: "application/x-tar")
            let judged = policy.whatIfBuild(whatIf, rawQuery: query, context: tar, dockerfile: nil, environment: LiteralHostEnvironment())
            #expect(judged.decision.allowed == allowed, "\(query): \(judged.decision.reason)")
        }
    }
}
