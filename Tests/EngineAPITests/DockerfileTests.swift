import EngineAPI
import Testing

/// One row: a Dockerfile, the build args, and what dockerd 20.10's classic
/// builder resolves and fetches for it.
struct DockerfileCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable {
        case refs([DockerfileReference])
        /// Refused, at this line, with a reason containing this text.
        case undecidable(line: Int, containing: String)
    }

    let name: String
    let text: String
    let buildArgs: [String: String?]
    let expected: Expected

    init(_ name: String, _ text: String, buildArgs: [String: String?] = [:], _ expected: Expected) {
        self.name = name
        self.text = text
        self.buildArgs = buildArgs
        self.expected = expected
    }

    var testDescription: String { name }
}

private func from(_ value: String, _ line: Int) -> DockerfileReference { .init(kind: .from, value: value, line: line) }
private func copyFrom(_ value: String, _ line: Int, onBuild: Bool = false) -> DockerfileReference {
    .init(kind: .copyFrom, value: value, line: line, onBuild: onBuild)
}
private func addURL(_ value: String, _ line: Int, onBuild: Bool = false) -> DockerfileReference {
    .init(kind: .addURL, value: value, line: line, onBuild: onBuild)
}

/// Observed on dockerd 20.10.24: every row here is built straight on the
/// daemon by Tests/integration/test_dockerfile_differential.py (the case of
/// the same name), which asserts the same images for each FROM and
/// COPY --from (by the image ID each FROM step printed and the file each
/// COPY --from copied), or the daemon's refusal.
let daemonObservedCases: [DockerfileCase] = [
    .init("plain FROM", "FROM swtest/df-a:1\n", .refs([from("swtest/df-a:1", 1)])),
    .init("escape directive with backtick, stage name continued, mixed-case COPY --from",
          "# escape=`\nARG IMG=swtest/df-a:1\nFROM ${IMG} `\n  AS First\nFROM swtest/df-b:1\nCOPY --from=FIRST /id /copied\n",
          .refs([from("swtest/df-a:1", 3), from("swtest/df-b:1", 5)])),
    .init("continuation with comments and an empty line inside",
          "FROM \\\n# a comment\n   # an indented comment\n  swtest/df-b:1 \\\n\n  AS x\nFROM x\n",
          .refs([from("swtest/df-b:1", 1)])),
    .init("ARG default", "ARG IMG=swtest/df-a:1\nFROM $IMG\n", .refs([from("swtest/df-a:1", 2)])),
    .init("build arg overrides a declared ARG", "ARG IMG=swtest/df-a:1\nFROM $IMG\n",
          buildArgs: ["IMG": "swtest/df-b:1"], .refs([from("swtest/df-b:1", 2)])),
    .init("null build arg keeps the default", "ARG IMG=swtest/df-a:1\nFROM $IMG\n",
          buildArgs: ["IMG": String?.none], .refs([from("swtest/df-a:1", 2)])),
    .init("undeclared build arg does not apply", "FROM ${OTHER:-swtest/df-a:1}\n",
          buildArgs: ["OTHER": "swtest/df-b:1"], .refs([from("swtest/df-a:1", 1)])),
    .init("declared ARG without default takes the build arg", "ARG IMG\nFROM ${IMG:-swtest/df-a:1}\n",
          buildArgs: ["IMG": "swtest/df-b:1"], .refs([from("swtest/df-b:1", 2)])),
    .init("undeclared variable expands to nothing", "FROM swtest/df-a${UNDECLARED}:1\n",
          .refs([from("swtest/df-a:1", 1)])),
    .init("meta ARG default reads an earlier meta ARG with its override", "ARG L=b\nARG IMG=swtest/df-$L:1\nFROM $IMG\n",
          buildArgs: ["L": "a"], .refs([from("swtest/df-a:1", 3)])),
    .init("ARG inside a stage does not reach FROM", "ARG V=a\nFROM swtest/df-${V}:1\nARG V=b\nFROM swtest/df-${V}:1\n",
          .refs([from("swtest/df-a:1", 2), from("swtest/df-a:1", 4)])),
    .init("${X:+word} and ${X:-word}", "ARG SET=1\nARG EMPTY=\nFROM swtest/df-${SET:+b}${EMPTY:+x}:1\nFROM swtest/df-${EMPTY:-a}:1\n",
          .refs([from("swtest/df-b:1", 3), from("swtest/df-a:1", 4)])),
    .init("quotes in FROM", "ARG TAG=1\nFROM \"swtest/df-a:$TAG\"\nFROM 'swtest/df-b:1'\n",
          .refs([from("swtest/df-a:1", 2), from("swtest/df-b:1", 3)])),
    .init("stage names are case-insensitive", "FROM swtest/df-a:1 AS Builder\nLABEL stage=builder\nFROM BUILDER\n",
          .refs([from("swtest/df-a:1", 1)])),
    .init("stage name through an ARG", "ARG S=base\nFROM swtest/df-b:1 as base\nLABEL stage=base\nFROM $S\n",
          .refs([from("swtest/df-b:1", 2)])),
    .init("COPY --from index", "FROM swtest/df-b:1\nFROM swtest/df-a:1\nCOPY --from=0 /id /copied\n",
          .refs([from("swtest/df-b:1", 1), from("swtest/df-a:1", 2)])),
    .init("COPY --from an image", "FROM swtest/df-a:1\nCOPY --from=swtest/df-b:1 /id /copied\n",
          .refs([from("swtest/df-a:1", 1), copyFrom("swtest/df-b:1", 2)])),
    .init("COPY --from the current stage's own name is an image", "FROM swtest/df-b:1 AS dfself\nCOPY --from=dfself /id /copied\nFROM dfself\n",
          .refs([from("swtest/df-b:1", 1), copyFrom("dfself", 2)])),
    .init("COPY --from quoted flag value", "FROM swtest/df-a:1\nCOPY --from=\"swtest/df-b:1\" /id /copied\n",
          .refs([from("swtest/df-a:1", 1), copyFrom("swtest/df-b:1", 2)])),
    .init("scratch", "FROM scratch AS s\nFROM swtest/df-a:1\n", .refs([from("swtest/df-a:1", 2)])),
    .init("lower-case instructions and COPY in JSON form",
          "arg IMG=swtest/df-b:1\nfrom $IMG as one\nfrom swtest/df-a:1\ncopy --from=one [\"/id\", \"/copied\"]\n",
          .refs([from("swtest/df-b:1", 2), from("swtest/df-a:1", 3)])),
    .init("--platform expanded with a meta ARG", "ARG P=linux\nFROM --platform=$P swtest/df-a:1\n",
          .refs([from("swtest/df-a:1", 2)])),
    .init("ONBUILD COPY --from is stored, not run", "FROM swtest/df-a:1\nONBUILD COPY --from=swtest/df-b:1 /id /onbuild-id\n",
          .refs([from("swtest/df-a:1", 1), copyFrom("swtest/df-b:1", 2, onBuild: true)])),
    .init("ONBUILD of a stage runs when a later stage is FROM it",
          "FROM swtest/df-a:1 AS base\nONBUILD COPY --from=swtest/df-b:1 /id /onbuild-id\nFROM base\n",
          .refs([from("swtest/df-a:1", 1), copyFrom("swtest/df-b:1", 2, onBuild: true), copyFrom("swtest/df-b:1", 2)])),
    .init("ONBUILD of a stage: --from names this build's stages when it runs",
          "FROM swtest/df-b:1 AS b\nFROM swtest/df-a:1 AS base\nONBUILD COPY --from=b /id /onbuild-id\nFROM base\n",
          .refs([from("swtest/df-b:1", 1), from("swtest/df-a:1", 2), copyFrom("b", 3, onBuild: true)])),
    .init("unknown instruction refuses the Dockerfile", "FROM swtest/df-a:1\nFOO bar\n",
          .undecidable(line: 2, containing: "unknown instruction: FOO")),
    .init("COPY --from is not expanded", "ARG X=swtest/df-a:1\nFROM swtest/df-b:1\nCOPY --from=$X /id /copied\n",
          .undecidable(line: 3, containing: "does not expand variables in --from")),
    .init("stage name used twice", "FROM swtest/df-a:1 AS x\nFROM swtest/df-b:1 AS X\n",
          .undecidable(line: 2, containing: "stage name already used")),
    .init("blank base name", "ARG EMPTY\nFROM $EMPTY\n", .undecidable(line: 2, containing: "should not be blank")),
    // Go's maps key names by bytes: É (U+00C9) and E + U+0301 are two names.
    .init("a build arg spelt with a decomposed accent does not set the ARG", "ARG \u{C9}=swtest/df-a:1\nFROM $\u{C9}\n",
          buildArgs: ["E\u{301}": "swtest/df-b:1"], .refs([from("swtest/df-a:1", 2)])),
    .init("an ARG spelt with a decomposed accent does not declare the precomposed one",
          "ARG E\u{301}=swtest/df-b:1\nFROM ${\u{C9}:-swtest/df-a:1}\n", .refs([from("swtest/df-a:1", 2)])),
]

/// Read from the dockerd 20.10.24 sources (no network in tests: ADD URLs and
/// images that would be pulled are checked here only).
let sourceReadCases: [DockerfileCase] = [
    .init("ADD URL", "FROM scratch\nADD http://example.com/a.tgz https://example.com/b /dst/\n",
          .refs([addURL("http://example.com/a.tgz", 2), addURL("https://example.com/b", 2)])),
    .init("ADD URL in JSON form", "FROM scratch\nADD [\"http://127.0.0.1:2375/x\", \"local\", \"/dst/\"]\n",
          .refs([addURL("http://127.0.0.1:2375/x", 2)])),
    .init("ADD JSON form: a quoted value is unquoted by the expansion", "FROM scratch\nADD [\"\\\"http://x/\\\"\", \"/d\"]\n",
          .refs([addURL("http://x/", 2)])),
    .init("ADD shell form: quotes removed", "FROM scratch\nADD \"http://x/a\" 'https://y/b' /d/\n",
          .refs([addURL("http://x/a", 2), addURL("https://y/b", 2)])),
    .init("ADD: not JSON (bad syntax) falls back to words", "FROM scratch\nADD [\"http://x/a\", ] /d\n", .refs([])),
    .init("ADD: JSON with a non-string is refused", "FROM scratch\nADD [1, \"http://x/a\", \"/d\"]\n",
          .undecidable(line: 2, containing: "strings only")),
    .init("ADD: a number out of range makes it not JSON", "FROM scratch\nADD [1e999, \"http://x/a\"] /d\n",
          .refs([addURL("http://x/a]", 2)])),
    .init("ADD: upper-case scheme is a local path", "FROM scratch\nADD HTTP://x/a /d\n", .refs([])),
    // urlutil.IsURL compares bytes; a mark after "//" joins the "/" into one
    // Character, and Go's IDNA drops it from the host (fetched from 127.0.0.1).
    .init("ADD: a variation selector after http:// is still a URL", "FROM scratch\nADD http://\u{FE0F}127.0.0.1/x /d\n",
          .refs([addURL("http://\u{FE0F}127.0.0.1/x", 2)])),
    .init("ADD: a combining grapheme joiner after https:// is still a URL", "FROM scratch\nADD https://\u{34F}127.0.0.1/x /d\n",
          .refs([addURL("https://\u{34F}127.0.0.1/x", 2)])),
    .init("ADD: a combining mark after http:// in JSON form is still a URL", "FROM scratch\nADD [\"http://\u{301}x/\", \"/d\"]\n",
          .refs([addURL("http://\u{301}x/", 2)])),
    .init("ONBUILD ADD: a variation selector after http:// is still a URL", "FROM scratch\nONBUILD ADD http://\u{E0100}127.0.0.1/x /x\n",
          .refs([addURL("http://\u{E0100}127.0.0.1/x", 2, onBuild: true)])),
    .init("ADD with a variable", "FROM scratch\nARG U=http://x/\nADD $U /d\n",
          .undecidable(line: 3, containing: "ADD with a variable in its source")),
    .init("ADD with a variable in JSON form", "FROM scratch\nADD [\"${U:-local}\", \"/d\"]\n",
          .undecidable(line: 2, containing: "ADD with a variable")),
    .init("ADD with an escaped dollar", "FROM scratch\nADD http://x/\\$U /d\n", .refs([addURL("http://x/$U", 2)])),
    .init("ADD with a bare dollar", "FROM scratch\nADD http://x/a$ /d\n", .refs([addURL("http://x/a$", 2)])),
    .init("ADD: escape directive changes what escapes", "# escape=`\nFROM scratch\nADD http://x/\\$U /d\n",
          .undecidable(line: 3, containing: "variable")),
    .init("ADD continued across lines", "FROM scratch\nADD \\\n  http://x/a \\\n  /d\n", .refs([addURL("http://x/a", 2)])),
    .init("ADD with flags", "FROM scratch\nADD --chown=1:1 http://x/a /d\n", .refs([addURL("http://x/a", 2)])),
    .init("ADD with an unknown flag is refused", "FROM scratch\nADD --from=x http://x/a /d\n",
          .undecidable(line: 2, containing: "Unknown flag: from")),
    .init("ONBUILD ADD URL", "FROM scratch\nONBUILD ADD http://127.0.0.1/x /x\n",
          .refs([addURL("http://127.0.0.1/x", 2, onBuild: true)])),
    .init("ONBUILD ADD with a variable", "FROM scratch\nONBUILD ADD $U /x\n",
          .undecidable(line: 2, containing: "ONBUILD ADD with a variable")),
    .init("ONBUILD ADD: the child's escape token is unknown", "FROM scratch\nONBUILD ADD http://x/`$U /x\n",
          .undecidable(line: 2, containing: "variable")),
    .init("ONBUILD ADD of a stage fires in this build", "FROM scratch AS s\nONBUILD ADD http://x/a /a\nFROM s\n",
          .refs([addURL("http://x/a", 2, onBuild: true), addURL("http://x/a", 2)])),
    .init("ONBUILD COPY --from index is a child stage", "FROM scratch\nONBUILD COPY --from=0 /a /a\n", .refs([])),
    .init("a meta ARG whose name, expanded, has \"=\" is refused: the daemon reads it as another ARG",
          "ARG K=A=1\nARG ${K}=v\nFROM ${A:+localhost:5000/}busybox\n",
          .undecidable(line: 2, containing: "names a build argument A=1, with \"=\" in its name, which the daemon reads as another argument (A)")),
    .init("a meta ARG named with \"=\" by a build arg's value is refused too", "ARG K\nARG ${K}\nFROM busybox\n",
          buildArgs: ["K": "A=1"], .undecidable(line: 2, containing: "with \"=\" in its name")),
    .init("an ARG's value may hold \"=\"", "ARG A=1=v\nFROM busybox${A:+}\n", .refs([from("busybox", 2)])),
    .init("ONBUILD ONBUILD is refused", "FROM scratch\nONBUILD ONBUILD ADD http://x/ /\n",
          .undecidable(line: 2, containing: "Chaining ONBUILD")),
    .init("ONBUILD FROM is refused", "FROM scratch\nONBUILD FROM busybox\n", .undecidable(line: 2, containing: "isn't allowed")),
    .init("ONBUILD with flags is refused", "FROM scratch\nONBUILD --x=1 ADD http://x/ /\n",
          .undecidable(line: 2, containing: "Unknown flag")),
    .init("ONBUILD unknown trigger", "FROM scratch\nONBUILD FOO bar\n", .undecidable(line: 2, containing: "unknown instruction: FOO")),
    .init("instruction before FROM", "RUN true\nFROM busybox\n", .undecidable(line: 1, containing: "no build stage")),
    .init("no instructions", "# just a comment\n\n", .undecidable(line: 2, containing: "no instructions")),
    .init("directive after an instruction is a comment", "FROM busybox\n# escape=`\nADD http://x/\\$U /d\n",
          .refs([from("busybox", 1), addURL("http://x/$U", 3)])),
    .init("directive after a blank line is a comment", "\n# escape=`\nFROM scratch\nADD http://x/\\$U /d\n",
          .refs([addURL("http://x/$U", 4)])),
    .init("invalid escape directive", "# escape=x\nFROM busybox\n", .undecidable(line: 1, containing: "invalid escape token")),
    .init("BOM and CRLF", "\u{FEFF}FROM busybox\r\nFROM alpine:3\r\n", .refs([from("busybox", 1), from("alpine:3", 2)])),
    .init("double escape at the end is no continuation", "FROM busybox\nLABEL a=b\\\\\nADD http://x/ /d\n",
          .refs([from("busybox", 1), addURL("http://x/", 3)])),
    .init("FROM with two arguments is refused", "FROM busybox alpine\n",
          .undecidable(line: 1, containing: "one or three arguments")),
    .init("invalid stage name", "FROM busybox AS 1x\n", .undecidable(line: 1, containing: "invalid name for build stage")),
    .init("FROM AS folds like Go", "FROM busybox A\u{17F} base\nFROM base\n", .refs([from("busybox", 1)])),
    .init("FROM with a bad substitution", "FROM ${:x}\n", .undecidable(line: 1, containing: "bad substitution")),
    .init("FROM ${X:?} unset", "ARG X\nFROM ${X:?needsX}\n", .undecidable(line: 2, containing: "X: needsX")),
    .init("FROM ${X:?} set", "ARG X\nFROM ${X:?needsX}\n", buildArgs: ["X": "alpine"], .refs([from("alpine", 2)])),
    .init("proxy build args apply undeclared", "FROM ${HTTP_PROXY:-busybox}\n", buildArgs: ["HTTP_PROXY": "alpine"],
          .refs([from("alpine", 1)])),
    .init("FROM Scratch is an image name", "FROM Scratch\n", .refs([from("Scratch", 1)])),
    .init("COPY --from index of the current stage", "FROM busybox\nCOPY --from=0 /a /b\n",
          .undecidable(line: 2, containing: "current build stage")),
    .init("COPY --from index out of bounds", "FROM busybox\nCOPY --from=-1 /a /b\n",
          .undecidable(line: 2, containing: "out of bounds")),
    .init("COPY --from index too large for int64 is an image", "FROM busybox\nCOPY --from=99999999999999999999 /a /b\n",
          .refs([from("busybox", 1), copyFrom("99999999999999999999", 2)])),
    .init("COPY --from a later stage's name is an image", "FROM busybox\nCOPY --from=later /a /b\nFROM alpine AS later\n",
          .refs([from("busybox", 1), copyFrom("later", 2), from("alpine", 3)])),
    .init("COPY URL is no download", "FROM busybox\nCOPY http://x/a /b\n", .refs([from("busybox", 1)])),
    .init("COPY --from without a value is refused", "FROM busybox\nCOPY --from /a /b\n",
          .undecidable(line: 2, containing: "Missing a value on flag: from")),
    // Go lower-cases İ to i (an ONBUILD), but its trigger regex does not
    // strip it: the trigger stores itself again in every child, never runs.
    .init("ONBUILD spelt with a dotted capital I never runs its trigger", "FROM busybox\nONBU\u{130}LD ADD http://x/ /\n",
          .refs([from("busybox", 1)])),
    .init("non-ASCII in flags", "FROM busybox\nCOPY --from=b\u{E9} /a /b\n",
          .undecidable(line: 2, containing: "non-ASCII")),
    // A stage's labels are the config of its later RUN steps' containers:
    // the owner label there made the step container another job's.
    .init("LABEL of the owner label is refused", "FROM busybox\nLABEL io.sockwarden.job=other\nRUN sleep 60\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.job is a label only sockwarden sets")),
    .init("LABEL of the owner label, quoted", "FROM busybox\nLABEL \"io.sockwarden.job\"=other\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.job is a label only")),
    .init("LABEL of the owner label, escaped", "FROM busybox\nLABEL io.sockwarden\\.job=other\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.job is a label only")),
    .init("LABEL of the owner label, with the escape directive", "# escape=`\nFROM busybox\nLABEL io.sockwarden`.job=other\n",
          .undecidable(line: 3, containing: "LABEL io.sockwarden.job is a label only")),
    .init("LABEL of the owner label, old form", "FROM busybox\nLABEL io.sockwarden.job other\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.job is a label only")),
    .init("LABEL of the seal, second pair", "FROM busybox\nLABEL a=b io.sockwarden.seal=x\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.seal is a label only")),
    // The create mark: how a job socket tells its unanswered creates in
    // events and reaps; a step container or image of a job's build took it.
    .init("LABEL of the create mark is refused", "FROM busybox\nLABEL io.sockwarden.create=image-0123\nRUN true\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.create is a label only sockwarden sets")),
    .init("LABEL of the create mark, quoted in pieces", "FROM busybox\nlabel \"io.sockwarden.\"'create'=x\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.create is a label only")),
    .init("LABEL of the create mark, escaped", "FROM busybox\nLabel io.sockwarden.cr\\eate=x\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.create is a label only")),
    .init("LABEL of the create mark, old form", "FROM busybox\nLABEL io.sockwarden.create x y\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.create is a label only")),
    .init("LABEL of the create mark, third pair", "FROM busybox\nLABEL a=1 b=2 io.sockwarden.create=x\n",
          .undecidable(line: 2, containing: "LABEL io.sockwarden.create is a label only")),
    .init("ONBUILD LABEL of the create mark is refused", "FROM busybox\nONBUILD LABEL io.sockwarden.create=x\n",
          .undecidable(line: 2, containing: "ONBUILD LABEL io.sockwarden.create")),
    .init("LABELs of keys like the create mark pass", "FROM busybox\nLABEL IO.SOCKWARDEN.CREATE=x io.sockwarden.creates=y a=io.sockwarden.create\n",
          .refs([from("busybox", 1)])),
    .init("LABEL key with a variable (from ENV) is refused", "FROM busybox\nENV K=io.sockwarden.job\nLABEL $K=other\n",
          .undecidable(line: 3, containing: "has a variable")),
    .init("ONBUILD LABEL of the owner label is refused", "FROM busybox\nONBUILD LABEL io.sockwarden.job=other\n",
          .undecidable(line: 2, containing: "ONBUILD LABEL io.sockwarden.job")),
    .init("LABELs of other keys pass, variables in values too", "ARG V=1\nFROM busybox\nLABEL \"com.example.vendor\"=\"ACME\" version=$V io.sockwarden.jobs=x\nLABEL IO.SOCKWARDEN.JOB x\n",
          .refs([from("busybox", 2)])),
    .init("comment lines keep their line numbers", "# c\n\nFROM busybox\n\n# c\nADD \\\n# c\n  http://x/ /d\n",
          .refs([from("busybox", 3), addURL("http://x/", 6)])),
]

@Suite("Dockerfile references as dockerd 20.10's classic builder resolves them")
struct DockerfileTests {
    @Test("observed on the daemon", arguments: daemonObservedCases)
    func observed(_ row: DockerfileCase) { check(row) }

    @Test("read from the daemon's sources", arguments: sourceReadCases)
    func sources(_ row: DockerfileCase) { check(row) }

    @Test("not valid UTF-8")
    func invalidUTF8() {
        let result = Dockerfile.references(Array("FROM busybox\nADD http://x/".utf8) + [0xFF] + Array(" /d\n".utf8), buildArgs: [:])
        guard case .undecidable(_, let line) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(line == 2)
    }

    @Test("a line longer than the daemon's scanner reads")
    func longLine() {
        let text = "FROM busybox\nLABEL a=" + String(repeating: "x", count: 70_000) + "\n"
        guard case .undecidable(_, let line) = Dockerfile.references(Array(text.utf8), buildArgs: [:]) else {
            Issue.record("not refused")
            return
        }
        #expect(line == 2)
    }

    @Test("deeply nested JSON does not exhaust the stack")
    func deepJSON() {
        let text = "FROM busybox\nADD " + String(repeating: "[", count: 20_000) + " http://x/ /d\n"
        // Not JSON (too deep for Go's decoder): split on whitespace.
        #expect(Dockerfile.references(Array(text.utf8), buildArgs: [:]) == .parsed([from("busybox", 1), addURL("http://x/", 2)]))
    }

    private func check(_ row: DockerfileCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = Dockerfile.references(Array(row.text.utf8), buildArgs: BuildArgs(row.buildArgs))
        switch (row.expected, result) {
        case let (.refs(expected), .parsed(got)):
            #expect(got == expected, "\(row.name)", sourceLocation: sourceLocation)
        case let (.undecidable(line, text), .undecidable(reason, got)):
            #expect(got == line, "\(row.name): \(reason)", sourceLocation: sourceLocation)
            #expect(reason.contains(text), "\(row.name): \(reason)", sourceLocation: sourceLocation)
            #expect(reason.hasPrefix("line \(line): "), "\(row.name): \(reason)", sourceLocation: sourceLocation)
        default:
            Issue.record("\(row.name): expected \(row.expected), got \(result)", sourceLocation: sourceLocation)
        }
    }
}
