import Testing
@testable import Proxy

/// What the audit log keeps of a request's secrets (`AuditRedaction`):
/// build-arg values and URL user information become `REDACTED`, found
/// under the spellings Go's query parser reads; the rest is unchanged.
@Suite struct AuditRedactionTests {
    static let targetCases: [(String, String, String)] = [
        ("a target without a query is kept", "/v1.41/containers/json", "/v1.41/containers/json"),
        ("a query without secrets is kept byte for byte", "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%22%5D%7D",
         "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%22%5D%7D"),
        ("build-arg values are redacted, their names kept",
         "/v1.41/build?t=x&buildargs=%7B%22PW%22%3A%22hunter2%22%2C%22HTTP_PROXY%22%3A%22p%22%7D&q=1",
         "/v1.41/build?t=x&buildargs=%7B%22PW%22%3A%22REDACTED%22%2C%22HTTP_PROXY%22%3A%22REDACTED%22%7D&q=1"),
        ("a build arg without a value (null) stays null", "/v1.41/build?buildargs=%7B%22A%22%3Anull%7D",
         "/v1.41/build?buildargs=%7B%22A%22%3Anull%7D"),
        ("a percent-encoded key is found as Go decodes it", "/build?build%61rgs=%7B%22PW%22%3A%22s%22%7D",
         "/build?build%61rgs=%7B%22PW%22%3A%22REDACTED%22%7D"),
        ("every buildargs pair, after a semicolon too", "/build?buildargs=%7B%22A%22%3A%22x%22%7D;buildargs=%7B%22B%22%3A%22y%22%7D",
         "/build?buildargs=%7B%22A%22%3A%22REDACTED%22%7D;buildargs=%7B%22B%22%3A%22REDACTED%22%7D"),
        ("build args that are not a JSON object are redacted, the rest of the query withheld",
         "/build?buildargs=hunter2&t=x", "/build?buildargs=REDACTED"),
        ("undecodable build args are redacted whole", "/build?buildargs=%zz", "/build?buildargs=REDACTED"),
        ("a raw & inside a build arg's value withholds the rest of it (and of the query)",
         "/v1.41/build?buildargs={\"TOKEN\":\"ab&cdSECRET\"}&t=x", "/v1.41/build?buildargs=REDACTED"),
        ("a raw ; likewise", "/build?buildargs={\"T\":\"ab;cdSECRET\"}", "/build?buildargs=REDACTED"),
        ("no build args given: kept", "/build?buildargs=&t=x", "/build?buildargs=&t=x"),
        ("a bad escape after an encoded URL does not hide it",
         "/build?remote=https%3A%2F%2Fu%3ASECRET%40h%2Fx%zz", "/build?remote=https%3A%2F%2FREDACTED%40h%2Fx%25zz"),
        ("an encoded / in a raw URL's password is still user information",
         "/build?remote=https://u:SEC%2FRET@h/x", "/build?remote=https://REDACTED@h/x"),
        ("an absolute-form target's own user information", "http://user:SECRET@docker/v1.41/_ping",
         "http://REDACTED@docker/v1.41/_ping"),
        ("the user information of an encoded URL is redacted", "/build?remote=https%3A%2F%2Fu%3Atoken%40example.com%2Fx.tar",
         "/build?remote=https%3A%2F%2FREDACTED%40example.com%2Fx.tar"),
        ("the user information of a raw URL is redacted", "/images/create?fromSrc=https://tok@example.com/x.tar&repo=a",
         "/images/create?fromSrc=https%3A%2F%2FREDACTED%40example.com%2Fx.tar&repo=a"),
        ("a URL without user information is kept", "/build?remote=https%3A%2F%2Fexample.com%2Fa%40b",
         "/build?remote=https%3A%2F%2Fexample.com%2Fa%40b"),
        ("a git remote without a scheme keeps its user", "/build?remote=git%40github.com%3Aorg%2Frepo.git",
         "/build?remote=git%40github.com%3Aorg%2Frepo.git"),
    ]

    @Test(arguments: targetCases.indices)
    func redactsTargets(_ i: Int) {
        let (behaviour, target, expected) = Self.targetCases[i]
        #expect(AuditRedaction.target(target) == expected, "\(behaviour)")
    }

    static let textCases: [(String, String, String)] = [
        ("a reason quoting a URL with a password", "[builds]: remote \"https://u:secret@example.com/x.tar\" makes the daemon fetch",
         "[builds]: remote \"https://REDACTED@example.com/x.tar\" makes the daemon fetch"),
        ("the last @ of the authority ends the user information", "ADD http://a@b:c@host:80/f", "ADD http://REDACTED@host:80/f"),
        ("an @ in the path is not user information", "http://host/a@b", "http://host/a@b"),
        ("several URLs", "x://a@h y://b@g/", "x://REDACTED@h y://REDACTED@g/"),
        ("text without a URL is kept", "group \"system\" is allowed", "group \"system\" is allowed"),
        ("an empty user information is kept", "http://@host/", "http://@host/"),
        ("a fact's value cut inside its authority is redacted up to the cut",
         "{\"value\":\"https://x-access-token:eyJhbGciOiJIUzI1NiJ9…\",\"cut\":{}}", "{\"value\":\"https://REDACTED…\",\"cut\":{}}"),
        ("a value cut after its authority keeps the host", "\"https://example.com/a/b…\"", "\"https://example.com/a/b…\""),
        ("a value cut inside a token after an @ in the user name is redacted up to the cut",
         "\"https://ci@corp.example:TTTTTTTT…\"", "\"https://REDACTED…\""),
    ]

    @Test(arguments: textCases.indices)
    func redactsText(_ i: Int) {
        let (behaviour, text, expected) = Self.textCases[i]
        #expect(AuditRedaction.text(text) == expected, "\(behaviour)")
        #expect(AuditRedaction.text(Array(text.utf8)) == Array(expected.utf8), "\(behaviour)")
    }

    @Test("a record's target, reason, facts and error are written redacted, the whole and the bounded forms alike")
    func recordsAreRedacted() {
        var r = AuditRecordTests.record()
        r.target = "/v1.41/build?buildargs=%7B%22PW%22%3A%22hunter2%22%7D&remote=https%3A%2F%2Fu%3Ahunter2%40h%2F"
        r.forwardedTarget = r.target + "&pull=0"
        r.reason = "remote \"https://u:hunter2@h/\" is refused"
        r.facts = Array("{\"remote_context\":[{\"field\":\"remote\",\"value\":\"https://u:hunter2@h/\"}]}".utf8)
        r.error = "fetching https://u:hunter2@h/ failed"
        for object in [r.requestObject(seq: 1, run: "abc"), r.resultObject(seq: 2, run: "abc")] {
            let line = String(decoding: object, as: UTF8.self)
            #expect(!line.contains("hunter2"), "\(line)")
            #expect(line.contains("REDACTED"), "\(line)")
        }
    }
}
