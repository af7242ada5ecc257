import Testing
@testable import Proxy

/// The calling container from `/proc/<pid>/cgroup` texts of the forms
/// Docker, containerd, CRI-O and podman produce.
@Suite struct AuditCgroupTests {
    static let id = "3f2a9c1b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"
    static let outer = "aaaa9c1b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"

    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let text: String
        let expected: String?
        var testDescription: String { id }
    }

    static let cases: [Case] = [
        Case(id: "cgroup v1, cgroupfs driver", text: """
            12:pids:/docker/\(id)
            11:memory:/docker/\(id)
            1:name=systemd:/docker/\(id)
            0::/
            """, expected: id),
        Case(id: "cgroup v2, systemd driver", text: "0::/system.slice/docker-\(id).scope\n", expected: id),
        Case(id: "cgroup v1, systemd driver", text: "5:cpu,cpuacct:/system.slice/docker-\(id).scope\n1:name=systemd:/system.slice/docker-\(id).scope\n", expected: id),
        Case(id: "dockerd nested under another cgroup (this CI machine)", text: "4:memory:/process_api/f0d972efc24c364cb71fa32434db648e/docker/\(id)\n0::/\n", expected: id),
        Case(id: "docker in docker: the outer container, which this daemon runs", text: "0::/docker/\(outer)/docker/\(id)\n", expected: outer),
        Case(id: "a container's own nested cgroup named like another's id: its own",
             text: "0::/system.slice/docker-\(outer).scope/docker-\(id).scope\n", expected: outer),
        Case(id: "a user's delegated subtree (systemd user session, rootless engine) names no container",
             text: "0::/user.slice/user-2003.slice/user@2003.service/app.slice/docker-\(id).scope\n", expected: nil),
        Case(id: "a user's delegated subtree on one hierarchy names no container on any",
             text: "4:memory:/docker/\(id)\n0::/user.slice/user-2003.slice/user@2003.service/x.scope\n", expected: nil),
        Case(id: "below a service with a delegated subtree: none",
             text: "0::/system.slice/runner.service/x.slice/docker-\(id).scope\n", expected: nil),
        Case(id: "an engine's scope outside a slice: none", text: "0::/somewhere/docker-\(id).scope\n", expected: nil),
        Case(id: "a bare id outside docker/ or a pod: none", text: "0::/mine/\(id)\n", expected: nil),
        Case(id: "a delegated user service at the top names no container",
             text: "0::/user@2003.service/docker-\(id).scope\n", expected: nil),
        Case(id: "kubernetes, containerd", text: "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-\(id).scope\n", expected: id),
        Case(id: "kubernetes, cgroupfs", text: "3:cpu:/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-000000000000/\(id)\n", expected: id),
        Case(id: "CRI-O", text: "0::/machine.slice/crio-\(id).scope\n", expected: id),
        Case(id: "podman", text: "0::/machine.slice/libpod-\(id).scope/container\n", expected: id),
        Case(id: "a host process in a login session", text: "0::/user.slice/user-1000.slice/session-2.scope\n", expected: nil),
        Case(id: "a host service", text: "0::/system.slice/docker.service\n", expected: nil),
        Case(id: "the root cgroup", text: "0::/\n", expected: nil),
        Case(id: "empty", text: "", expected: nil),
        Case(id: "63 hex digits are not an id", text: "0::/docker/\(String(id.dropLast()))\n", expected: nil),
        Case(id: "upper-case hex is not Docker's", text: "0::/docker/\(id.uppercased())\n", expected: nil),
        Case(id: "a malformed line is skipped", text: "garbage\n0::/docker/\(id)\n", expected: id),
    ]

    @Test(arguments: cases)
    func containerID(_ c: Case) {
        #expect(AuditCgroup.containerID(cgroupText: c.text) == c.expected)
    }

    @Test func theUnifiedLineWinsOverV1Lines() {
        let text = "4:memory:/docker/\(AuditCgroupTests.outer)\n0::/docker/\(AuditCgroupTests.id)\n"
        #expect(AuditCgroup.containerID(cgroupText: text) == AuditCgroupTests.id)
    }

    /// A connected pair's far end, as a client connected from a child process.
    static func connectedFromChild(exitAfterConnect: Bool) throws -> (client: FileDescriptor, peer: PeerCredentials?, child: pid_t) {
        let dir = makeTemporaryDirectory("sw-caller")
        let path = dir + "/s.sock"
        let listener = try UnixSocket.listen(path: path, mode: 0o600, group: nil)
        defer { listener.descriptor.close(); unlink(path); rmdir(dir) }
        let child = fork()
        if child == 0 {
            // The child: connect, then exit at once or wait to be killed.
            guard let socket = try? UnixSocket.connect(path: path) else { _exit(1) }
            _ = socket
            if exitAfterConnect { _exit(0) }
            while true { pause() }
        }
        let client = try UnixSocket.accept(listener.descriptor)
        return (client, UnixSocket.peerCredentials(client), child)
    }

    @Test("the caller is read while the process that connected runs; once it has exited, nothing is read")
    func callerOfAConnection() throws {
        let running = try Self.connectedFromChild(exitAfterConnect: false)
        defer { running.client.close() }
        #expect(AuditCgroup.caller(of: running.client, peer: running.peer) != .gone)
        kill(running.child, SIGKILL)
        var status: Int32 = 0
        waitpid(running.child, &status, 0)
        // Its pid may now be any other process's: not read.
        #expect(AuditCgroup.caller(of: running.client, peer: running.peer) == .gone)

        let exited = try Self.connectedFromChild(exitAfterConnect: true)
        defer { exited.client.close() }
        waitpid(exited.child, &status, 0)
        #expect(AuditCgroup.caller(of: exited.client, peer: exited.peer) == .gone)
    }
}

import Glibc
import Posix
