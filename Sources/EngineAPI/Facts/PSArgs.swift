/// `GET /containers/{id}/top?ps_args=…` (`docker top CONTAINER [ps OPTIONS]`).
///
/// dockerd runs the host's `ps` as root in the host's pid namespace
/// (`ContainerTop`, daemon/top_unix.go, 20.10.24 and 28.x): `ps <ps_args
/// split on " "> -q<the container's pids>`, and when that fails (procps
/// refuses `-q` with a forest listing (`f`, `-H`, `-f -o …`) or with any
/// other selection (`-u root`, `-C name`, `-p 1`), or a container pid is
/// gone), it runs `ps <ps_args>` again *without* `-q`: every process of the
/// host that the options select. The only thing that then keeps the
/// answer to the container's processes is `parsePSOutput`: it takes the
/// first header word that is exactly `PID` and keeps a row when the
/// whitespace-separated word at that index is one of the container's pids;
/// any other word that is not a number ends the request with `Unexpected
/// pid '<word>'`. `validatePSArgs` only refuses `<space>key=PID` header
/// renames, so a column renamed `PID` at the start of `ps_args`
/// (`-ouser=PID`), a header of several words (`-ouid=A\fPID`: a form feed
/// separates header words for the daemon, not for ps), or a column of
/// several words before the pid (`-o args,pid`, forest art) makes that word
/// any word of any host process: its command line and, with `e`, its
/// environment, one word per request (another job's secrets, the runner's
/// tokens; shown against dockerd 20.10.24 through ci.toml, found
/// 2026-11-30).
///
/// So `ps_args` is read as procps reads it and allowed only where the
/// daemon's filter reads the real pid on every row: words (split on " ",
/// as the daemon splits) that are option clusters from a small table of
/// flags whose standard columns keep `PID` one word preceded only by
/// one-word columns (no forest `f`/`-H`, no security label `Z`/`-M`, no
/// header-less `h`, no selection lists, no `-q`), or `-o` format lists in
/// which every column before the first `pid` is one of a set of one-word
/// columns, with no header given (`=`) and no width (`:`). Whatever ps then
/// selects, with or without `-q`, only the container's processes pass.
public enum PSArgs {
    /// Why dockerd's `ps` could list more than the container's processes
    /// with these `ps_args`; nil when it cannot.
    public static func refusal(_ psArgs: String) -> String? {
        if psArgs.utf8.isEmpty { return nil }  // the daemon's own "-ef"
        let words = psArgs.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            .map { Array($0) }
        var formats: [[UInt8]] = []
        var standardFormat = false
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            guard !word.isEmpty else { return "an empty ps option (two spaces in a row)" }
            let unix = word.first == UInt8(ascii: "-")
            var letters = unix ? Array(word.dropFirst()) : word
            guard !letters.isEmpty else { return "the ps option \"-\"" }
            var format: [UInt8]?
            if let o = letters.firstIndex(of: UInt8(ascii: "o")) {
                // `-o FORMAT`, `-oFORMAT`, `-eo FORMAT`, `o FORMAT`, `axo FORMAT`.
                let rest = Array(letters[(o + 1)...])
                letters = Array(letters[..<o])
                if !rest.isEmpty {
                    guard unix else { return "the ps option \(show(word)) (a BSD o takes its format as the next word)" }
                    format = rest
                } else {
                    guard i < words.count else { return "the ps option \(show(word)) has no format after it" }
                    format = words[i]
                    i += 1
                }
            }
            let allowed = unix ? unixFlags : bsdFlags
            for letter in letters where !allowed.contains(letter) {
                return "the ps option \(show(word)) (\(show([letter])) is not one of the flags sockwarden reads: a forest, label, header-less or selecting listing can make the daemon's ps list the host's processes)"
            }
            if letters.contains(where: { standardFormatFlags(unix: unix).contains($0) }) { standardFormat = true }
            if let format { formats.append(format) }
        }
        if formats.isEmpty { return nil }
        if standardFormat { return "a ps format list (-o) together with a standard format (f, l, j, u, …): procps may draw a forest or refuse it" }
        var columns: [[UInt8]] = []
        for format in formats {
            columns += format.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { Array($0) }
        }
        var sawPID = false
        for column in columns {
            guard !column.isEmpty, column.allSatisfy({ specifierBytes.contains($0) }) else {
                return "the ps column \(show(column)) (only column names: no header (=), no width (:), nothing else)"
            }
            if sawPID { continue }
            if column == Array("pid".utf8) {
                sawPID = true
            } else if !oneWordColumns.contains(String(decoding: column, as: UTF8.self)) {
                return "the ps column \(show(column)) before pid: the daemon finds the pid by counting words, and this column can hold several (or its name is not one sockwarden knows)"
            }
        }
        return nil
    }

    /// Unix flags (`-e`, `-ef`, …): selection of every process, standard
    /// formats whose columns before PID are one word (F, S, UID), threads.
    /// Not: H (forest), M and Z (security label, "docker-default (enforce)"),
    /// N, p, q, s, t, u, U, g, G, C (selections, refused with -q), V, and
    /// anything else.
    static let unixFlags = Set("AadefFjlLTmcyw".utf8)
    /// BSD flags (`aux`, `axjf` without f, …). Not: f (forest), h (no
    /// header: the daemon then reads a process row as the header), Z, O
    /// (sort), p, t, U (selections), L, and anything else.
    static let bsdFlags = Set("axuwljvsmecSrH".utf8)
    /// Flags that choose a standard format of their own (procps refuses
    /// some with -o, and -f with -o draws a forest).
    static func standardFormatFlags(unix: Bool) -> Set<UInt8> {
        unix ? Set("fFjlyc".utf8) : Set("uljvs".utf8)
    }
    static let specifierBytes = Set("abcdefghijklmnopqrstuvwxyz0123456789_%".utf8)
    /// procps columns whose value and header are one word on every row
    /// (not `start`, "Nov 30", nor `lstart`, `args`, `cmd`, `comm`, `label`,
    /// `wchan` and the like).
    static let oneWordColumns: Set<String> = [
        "user", "euser", "ruser", "uid", "euid", "ruid", "group", "egroup", "rgroup", "gid", "egid", "rgid",
        "ppid", "pgid", "pgrp", "sid", "sess", "tgid", "tpgid", "tty", "tname", "stat", "s", "state", "f", "flags",
        "pcpu", "%cpu", "pmem", "%mem", "c", "rss", "rsz", "vsz", "sz", "ni", "nice", "pri", "psr", "nlwp",
        "lwp", "spid", "tid", "etime", "etimes", "time", "cputime", "stime", "class", "cls", "policy", "rtprio",
    ]

    static func show(_ bytes: [UInt8]) -> String {
        "\"" + String(decoding: bytes, as: UTF8.self).unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined() + "\""
    }
}
