import EngineAPI
import Testing

/// `docker top`'s ps options: dockerd runs the host's ps with them, and
/// again without the container's pids when ps refuses `-q` with them; only
/// its pid column filter then keeps the answer to the container.
@Suite("ps_args of docker top, as procps and dockerd read them")
struct PSArgsTests {
    @Test("options whose pid column the daemon reads right on every row pass", arguments: [
        "",                         // the daemon's own -ef
        "-ef", "aux", "auxww", "-eF", "-elf", "-ely", "-ejf", "-efL", "-efT", "-efm", "axj", "axl", "axv", "axs",
        "axe", "axH", "-e -o pid,args", "-eo pid,comm", "-o pid", "-opid,user,args", "axo pid,ppid,comm",
        "-e -o user,pid,%cpu,args", "-e -o ppid -o pid,args", "-L -o pid,lwp,comm", "H -o stat,pid,args",
        "e -o pid,args", "-A", "x",
    ])
    func passes(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) == nil, "\(psArgs)")
    }

    @Test("a column renamed PID at the start, where validatePSArgs looks for no space before it (found 2026-11-30)", arguments: [
        "-oargs=PID axf", "-ouser=PID axf", "-oargs=,uid=PID e -C sleep", "-opid=PID",
    ])
    func renamedColumn(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) != nil, "\(psArgs)")
    }

    @Test("a header of several words for the daemon (a form feed) but one for ps", arguments: [
        "-ouid=A\u{0C}A\u{0C}PID,args= e -C runner-agent", "-ouid=A\rPID,args=", "-o uid:8,pid",
    ])
    func headerWords(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) != nil, "\(psArgs)")
    }

    @Test("options procps refuses with -q, so the daemon lists the host's processes without it", arguments: [
        "auxf", "axf", "f", "-eH", "-H", "-u root", "-C sleep", "-p 1", "-q 1", "-N", "--forest", "-t pts/0",
        "U root", "-f -o pid,comm",
    ])
    func selectionsAndForests(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) != nil, "\(psArgs)")
    }

    @Test("a column of several words before the pid (a listing without -q then misreads the pid)", arguments: [
        "-e -o args,pid", "-o comm,pid", "-o lstart,pid", "-o start,pid", "-o label,pid", "-eZ", "-eM", "Z",
        "-o wchan,pid", "-o PID",
    ])
    func wordsBeforeThePid(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) != nil, "\(psArgs)")
    }

    @Test("spellings the daemon splits differently from a shell", arguments: [
        "-e  -f", " -ef", "-ef ", "-", "-o", "axo", "-e\t-f", "h", "axh", "-o pid,,comm", "aox pid",
    ])
    func spellings(_ psArgs: String) {
        #expect(PSArgs.refusal(psArgs) != nil, "\(psArgs)")
    }
}
