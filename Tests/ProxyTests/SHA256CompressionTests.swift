import Foundation
import Testing
@testable import Proxy

/// Where the CPU has the SHA extensions, they and the Swift rounds agree.
@Suite struct SHA256CompressionTests {
    @Test(arguments: [1, 2, 3, 17])
    func hardwareAndPortableRoundsAgree(_ blocks: Int) {
        let data = SHA256Tests.message(64 * blocks)
        var portable = SHA256.initial
        var dispatched = SHA256.initial
        data.withUnsafeBytes { raw in
            SHA256.compressPortable(&portable, raw.baseAddress!, blocks: blocks)
            SHA256.compress(&dispatched, raw.baseAddress!, blocks: blocks)
        }
        #expect([portable.0, portable.1, portable.2, portable.3, portable.4, portable.5, portable.6, portable.7]
                == [dispatched.0, dispatched.1, dispatched.2, dispatched.3, dispatched.4, dispatched.5, dispatched.6, dispatched.7])
    }

    @Test func theHardwarePathIsTakenWhereTheCPUHasIt() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
        #expect(SHA256.hardware == (flags.contains("sha_ni") && flags.contains("sse4_1") && flags.contains("ssse3")))
    }
}
