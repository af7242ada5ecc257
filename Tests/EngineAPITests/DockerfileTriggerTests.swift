import Testing
@testable import EngineAPI

/// Base images' `ONBUILD` triggers run at `FROM` (given by the daemon to the
/// reader), stored triggers of a commit body and the `changes` of a commit or
/// import, after a review that got past the first reading of triggers.
@Suite("Dockerfile: base images' triggers, stored triggers and changes")
struct DockerfileTriggerTests {
    static func urls(_ parse: DockerfileParse) -> [String]? {
        guard case .parsed(let references) = parse else { return nil }
        return references.filter { $0.kind == .addURL }.map(\.value)
    }

    static func images(_ parse: DockerfileParse) -> [String]? {
        guard case .parsed(let references) = parse else { return nil }
        return references.filter { $0.kind != .addURL }.map(\.value)
    }

    static func build(_ dockerfile: String, base: [String: [String]]) -> DockerfileParse {
        Dockerfile.references(Array(dockerfile.utf8), buildArgs: [:]) { name in
            base[name].map { .triggers($0) } ?? .absent
        }
    }

    @Test("each trigger is parsed on its own: a trailing escape does not swallow the next one")
    func triggersApart() {
        let parse = Self.build("FROM evil\n", base: ["evil": ["RUN true \\", "ADD http://127.0.0.1:18080/x /y"]])
        #expect(Self.urls(parse) == ["http://127.0.0.1:18080/x"], "\(parse)")
        let copy = Self.build("FROM evil\n", base: ["evil": ["RUN true \\", "COPY --from=victim/secret:1 /s /s"]])
        #expect(Self.images(copy) == ["evil", "victim/secret:1"], "\(copy)")
    }

    @Test("a trigger's words expand with the building Dockerfile's escape token")
    func childEscape() {
        let parse = Self.build("# escape=`\nFROM tick\n", base: ["tick": ["ADD `http://127.0.0.1:18080/x /tick"]])
        #expect(Self.urls(parse) == ["http://127.0.0.1:18080/x"], "\(parse)")
        let plain = Self.build("FROM tick\n", base: ["tick": ["ADD `http://127.0.0.1:18080/x /tick"]])
        #expect(Self.urls(plain) == [], "\(plain)")
    }

    @Test("a trigger's COPY --from index names this build's stage")
    func stageIndex() {
        let parse = Self.build("FROM busybox AS one\nFROM base\n", base: ["base": ["COPY --from=0 /a /a"]])
        #expect(Self.images(parse) == ["busybox", "base"], "\(parse)")
    }

    @Test("the daemon's answer about a base image decides when it cannot say")
    func refusedLookup() {
        let parse = Dockerfile.references(Array("FROM x\n".utf8), buildArgs: [:]) { _ in .refused("daemon down") }
        guard case .undecidable(let reason, let line) = parse else { Issue.record("\(parse)"); return }
        #expect(line == 1 && reason.contains("daemon down"), "\(reason)")
    }

    @Test("too many stages or references are refused, not judged slowly")
    func limits() {
        let stages = (0...ClassicBuild.maxStages).map { "FROM scratch AS s\($0)\n" }.joined()
        if case .parsed = Dockerfile.references(Array(stages.utf8), buildArgs: [:]) { Issue.record("\(ClassicBuild.maxStages + 1) stages read") }
        let froms = "FROM scratch\n" + (0...ClassicBuild.maxReferences).map { "COPY --from=img\($0) /a /a\n" }.joined()
        if case .parsed = Dockerfile.references(Array(froms.utf8), buildArgs: [:]) { Issue.record("\(ClassicBuild.maxReferences + 1) references read") }
    }

    @Test("a commit body's OnBuild and the changes of a commit or import", arguments: [
        (["RUN true \\", "ADD http://h/x /y"], ["http://h/x"]),
        (["ADD `http://h/x /y"], ["http://h/x"]),
        (["RUN true"], []),
    ])
    func stored(_ c: ([String], [String])) {
        #expect(Self.urls(Dockerfile.triggerReferences(c.0)) == c.1)
    }

    @Test("changes are joined into one Dockerfile, as dockerd joins them")
    func changes() {
        #expect(Self.urls(Dockerfile.changeReferences(["ONBUILD ADD http://h/x /y"])) == ["http://h/x"])
        #expect(Self.urls(Dockerfile.changeReferences(["ENV A=1 \\", "B=2", "ONBUILD ADD http://h/z /y"])) == ["http://h/z"])
        #expect(Self.urls(Dockerfile.changeReferences(["ENV A=1"])) == [])
        // A directive at the top is one to dockerd too: "\\" is no escape then.
        #expect(Self.urls(Dockerfile.changeReferences(["# escape=`", "CMD echo \\", "ONBUILD ADD http://h/e /x"])) == ["http://h/e"])
        if case .parsed = Dockerfile.changeReferences(["RUN true"]) { Issue.record("RUN read as a change") }
        if case .parsed = Dockerfile.triggerReferences(["RUN a\nADD http://h/x /y"]) { Issue.record("a trigger with a line break read") }
    }
}
