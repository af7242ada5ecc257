import Testing
@testable import Policy

@Suite("API versions as dockerd 20.10 reads them")
struct APIVersionTests {
    // dockerd matches `/v{version:[0-9.]+}` and compares with
    // `versions.compare`: each "."-separated part read by strconv.Atoi, its
    // error ignored (0 for what is no number, ±MaxInt64 for an overflow).
    @Test("each part is what Go's strconv.Atoi gives, errors ignored", arguments: [
        ("1.41", [1, 41]), ("1.24", [1, 24]), ("1.023", [1, 23]), ("1.", [1, 0]), ("", [0]), (".", [0, 0]),
        ("1.99999999999999999999", [1, Int.max]), ("99999999999999999999.1", [Int.max, 1]),
        ("1.9223372036854775807", [1, Int.max]), ("1.9223372036854775808", [1, Int.max]),
        ("1.18446744073709551616", [1, Int.max]), ("1.00000000000000000000000041", [1, 41]),
        ("1.-99999999999999999999", [1, Int.min]), ("1.-9223372036854775808", [1, Int.min]),
        ("1.+41", [1, 41]), ("1.x", [1, 0]), ("1.4x", [1, 0]), ("1.+", [1, 0]), ("1.٤١", [1, 0]),
        ("1.99999999999999999999x", [1, Int.max]), ("1.9999999999999999999x", [1, 0]),
    ])
    func parts(_ c: (String, [Int])) {
        #expect(APIVersion(parsing: c.0).parts == c.1, "\(c.0)")
    }

    @Test("below the policy's min-version exactly when dockerd's versions.LessThan says so", arguments: [
        ("1.23", true), ("1.24", false), ("1.41", false), ("1.9", true), ("0.99999999999999999999", true),
        ("1.99999999999999999999", false), ("99999999999999999999", false), ("1.23.99999999999999999999", true),
        ("1.24.99999999999999999999", false), ("1.-99999999999999999999", true), ("1.24.0", false), ("1", true),
    ])
    func belowMinimum(_ c: (String, Bool)) {
        #expect((APIVersion(parsing: c.0) < APIVersion(1, 24)) == c.1, "\(c.0)")
    }
}
