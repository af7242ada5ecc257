import Testing
@testable import Policy

/// `[containers] non-root`: which `User` values run as root. runc's
/// `GetExecUser` cuts the spec at the first ":" byte and reads a user that
/// `strconv.Atoi` parses as a uid; tests/integration holds the differential
/// check against dockerd (test_attack_corpus_more.py, non-root spellings).
@Suite struct UserSpecTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let user: String
        let nonRoot: Bool
        var testDescription: String { "\"\(user.unicodeScalars.map { $0.isASCII ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined())\"" }
    }

    static let cases: [Case] = [
        .init(user: "", nonRoot: false),
        .init(user: "0", nonRoot: false),
        .init(user: "root", nonRoot: false),
        .init(user: "0:0", nonRoot: false),
        .init(user: "root:wheel", nonRoot: false),
        .init(user: ":1000", nonRoot: false),               // the image's user, which may be root
        // Found by review: numbers Atoi reads as 0 (they ran as root).
        .init(user: "00", nonRoot: false),
        .init(user: "+0", nonRoot: false),
        .init(user: "-0", nonRoot: false),
        .init(user: "0000:1000", nonRoot: false),
        .init(user: "0:\u{301}x", nonRoot: false),          // ":" + combining mark: one Character, but runc cuts at the byte
        .init(user: "1000", nonRoot: true),
        .init(user: "1000:1000", nonRoot: true),
        .init(user: "nobody", nonRoot: true),
        .init(user: "010", nonRoot: true),                  // uid 10
        .init(user: "+", nonRoot: true),                    // not a number: a name, no such user
        .init(user: "ROOT", nonRoot: true),                 // names match exactly in /etc/passwd
        .init(user: "0 ", nonRoot: true),                   // Atoi refuses the space: a name
    ]

    @Test(arguments: cases)
    func rootIsRecognisedAsRuncReadsIt(_ c: Case) {
        #expect(UserSpec.isNonRoot(c.user) == c.nonRoot)
    }
}
