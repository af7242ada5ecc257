#if canImport(Glibc)
import Glibc
import Testing
import GoJSON

/// Sockwarden's connection threads have 256 KiB stacks (Posix.spawnDetachedThread).
/// Parsing is iterative; decoding, encoding and freeing values recurse once
/// per nesting level, so the deepest document we accept must fit.
@Suite("Stack use")
struct StackTests {
    final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func runOnSmallStack(_ size: Int, _ body: @escaping () -> Void) {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, size)
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { arg in
            let job = Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue()
            job.body()
            return nil
        }, job)
        precondition(rc == 0)
        pthread_join(thread, nil)
        pthread_attr_destroy(&attr)
    }

    /// Release frames are what the proxy runs; debug frames are several
    /// times larger, so debug test builds get a proportionally larger stack.
    static var stackSize: Int {
        #if DEBUG
        return 1024 * 1024
        #else
        return 256 * 1024
        #endif
    }

    static func deepJSON(_ depth: Int) -> String {
        var text = ""
        for i in 0..<depth { text += i % 2 == 0 ? "[" : "{\"a\":" }
        text += "1"
        for i in (0..<depth).reversed() { text += i % 2 == 0 ? "]" : "}" }
        return text
    }

    /// Typed decoding recurses per level of the SCHEMA (bounded and small for
    /// Docker's types); JSON nested deeper than the schema is either skipped
    /// (unknown keys) or an interface{} value, whose handling recurses per
    /// JSON level with small frames. A 512-deep body must fit a connection
    /// thread's 256 KiB stack with room to spare (measured: about 128 KiB in
    /// a release build).
    @Test("a 512-deep body decodes, encodes and is freed on a connection thread's stack")
    func deepJSONOnSmallStack() {
        let deep = Self.deepJSON(511)
        let body = Array(("{\"Any\":" + deep + ",\"zzz\":" + deep + ",\"Name\":\"n\"}").utf8)
        nonisolated(unsafe) var ok = false
        Self.runOnSmallStack(Self.stackSize) {
            guard case .success(let (value, _)) = GoDecoder.decodeFirstValue(body, as: Schemas.kitchen) else { return }
            ok = roundTrips(value, Schemas.kitchen)
        }
        #expect(ok)
    }

    @Test("64 levels of typed nesting decode and encode on a connection thread's stack")
    func deepTypesOnSmallStack() {
        let depth = 64
        var type = GoType.int(bits: 0)
        for level in 0..<depth {
            switch level % 4 {
            case 0: type = .structure(GoStruct("S", [GoField("x", .string), GoField("a", type)]))
            case 1: type = .pointer(type)
            case 2: type = .slice(type)
            default: type = .map(key: .string, value: type)
            }
        }
        var text = "1"
        for level in (0..<depth).reversed() {
            switch level % 4 {
            case 0: text = "{\"A\":" + text + "}"
            case 1: break
            case 2: text = "[" + text + "]"
            default: text = "{\"k\":" + text + "}"
            }
        }
        let bytes = Array(text.utf8)
        let t = type
        nonisolated(unsafe) var ok = false
        Self.runOnSmallStack(Self.stackSize) {
            guard case .success(let (value, _)) = GoDecoder.decodeFirstValue(bytes, as: t) else { return }
            ok = roundTrips(value, t)
        }
        #expect(ok)
    }
}
#endif
