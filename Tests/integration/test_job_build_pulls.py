"""Builds on job sockets whose base image the daemon would pull while the
build runs. The classic builder gives a stage's step containers its base
image's labels, so a registry image labelled `io.sockwarden.job=<job A>`,
pulled by job B's build (`FROM` an image not on the daemon, or any image
with `pull=1`), made B's RUN containers job A's while they ran: listed by
A, open to A's exec (A read what B's step wrote), counted against A's
quota. A job socket refused such builds for a while (409, "pull it through
this socket first"); it now pulls each such image itself, as the job's own
`POST /images/create` through its socket would (same judging, its own audit
record naming the build), judges the Dockerfile again with the images there
(one labelled for a job without that job's seal is no job's to build on),
and forwards the build with pull off. Reproduced with the loopback registry
stand-in; each check is made on the daemon's state."""
import base64
import json
import socket
import tempfile
import threading
import time
import urllib.parse

import pytest

from registry_standin import Registry, _sha
from swhelpers import API, CLI_PATHS, DockerCLI, RawConn, cli_id, http, tar_of, unique, wait_for
from test_jobs import Jobs, jobs, post  # noqa: F401 - fixtures used by name
from test_job_pull_local_names import build, image_id, job_policy, pull, registry_job

pytestmark = pytest.mark.proxy_only


def relabel(reg: Registry, owner: str) -> None:
    """From now on the stand-in serves an image whose config labels it for `owner`."""
    reg.serve_config(lambda config: config["config"]["Labels"].update({"io.sockwarden.job": owner}))


@pytest.fixture
def victim_and_builder(jobs):
    a, b = unique("ja"), unique("jb")
    reg = Registry(unique("labelled")).start()
    sa = jobs.open(a)
    sb = jobs.open(b, "--policy", job_policy(jobs, reg))
    yield a, sa, b, sb, reg
    reg.stop()


def step_containers_of(sock: str, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listed = json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body)
        if listed:
            return listed
        time.sleep(0.3)
    return []


def records(jobs: Jobs, event: str, route: str) -> list:
    return [r for r in jobs.audit() if r.get("event") == event and r.get("route") == route]


def stream_errors(body: bytes) -> list:
    """The error messages of a JSON message stream (a build's answer)."""
    messages = [json.loads(line) for line in body.split(b"\r\n") if line.strip()]
    return [m["errorDetail"]["message"] for m in messages if "errorDetail" in m]


def build_pulls(jobs: Jobs, event: str, count: int) -> list:
    """The records of pulls made for builds, once `count` are in the log (it is written behind the answers)."""
    def found():
        pulls = [r for r in records(jobs, event, "image.create") if r.get("pulled_for")]
        return pulls if len(pulls) >= count else None
    return wait_for(found, 10, what=f"{count} {event} records of build pulls")


@pytest.mark.parametrize("pull_first", [False, True], ids=["absent", "pull=1"])
def test_a_build_pulling_a_base_labelled_for_another_job_gives_that_job_nothing(victim_and_builder, dockerd_sock, pull_first):
    a, sa, b, sb, reg = victim_and_builder
    repo = f"{reg.host}/{unique('base')}"
    name = f"{repo}:1"
    dockerfile = f"FROM {name}\nRUN echo B-BUILD-SECRET > /s; sleep 8\n"
    query = f"t={b}-out:1"
    if pull_first:
        # The runner pulled the registry's image under that name (shared); the
        # registry serves another one now, which pull=1 pulls while the build runs.
        assert pull(dockerd_sock, repo, "1").status == 200
        query += "&pull=1"
    first = reg.image_id
    relabel(reg, a)
    answers = {}
    builder = threading.Thread(target=lambda: answers.update(
        r=build(sb, dockerfile, query)))
    builder.start()
    try:
        seen = step_containers_of(sa, 6)
        for c in seen:
            r = post(sa, f"{API}/containers/{c['Id']}/exec", {"Cmd": ["cat", "/s"], "AttachStdout": True})
            if r.status == 201:
                out = post(sa, f"{API}/exec/{json.loads(r.body)['Id']}/start", {"Detach": False})
                assert b"B-BUILD-SECRET" not in out.body
        assert seen == [], [(c["Names"], c["Labels"]) for c in seen]
    finally:
        builder.join(60)
    try:
        # The job socket pulled the image through B's own judging, then judged
        # the Dockerfile again: labelled for job A without A's seal, the image
        # is no job's, and B cannot build on it.
        # The pull's progress went to the client first: the refusal ends that stream.
        r = answers["r"]
        assert r.status == 200 and b"Downloaded newer image" in r.body, (r.status, r.body[-300:])
        errors = stream_errors(r.body)
        assert len(errors) == 1 and "Dockerfile line 1: No such image" in errors[0], errors
        assert image_id(dockerd_sock, name) == reg.image_id
        assert step_containers_of(sa, 1) == []
    finally:
        for ref in (name, reg.image_id, first):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")


@pytest.mark.parametrize("pull_flag", ["", "pull=1&"], ids=["absent", "pull=1"])
def test_a_build_from_an_absent_registry_image_pulls_it_through_the_job_socket(jobs, dockerd_sock, pull_flag):
    with registry_job(jobs, dockerd_sock, "plain") as (reg, job, sock):
        name = f"{reg.host}/{unique('base')}:1"
        r = build(sock, f"FROM {name}\nRUN echo ok > /ok\n", f"{pull_flag}t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        # The pull's progress, then the build's own output, in one stream.
        assert r.body.index(b"Downloaded newer image for") < r.body.index(b"Step 1/"), r.body[-600:]
        assert image_id(dockerd_sock, name) == reg.image_id
        assert image_id(sock, f"{job}-out:1") is not None
        # The pull has a record of its own, judged as the job's own pull,
        # naming the build it was made for and the Dockerfile line.
        built = records(jobs, "request", "build.image")[-1]
        pulls = build_pulls(jobs, "request", 1)
        assert [p["pulled_for"] for p in pulls] == [{"req": built["req"], "line": 1}], pulls
        assert pulls[0]["decision"] == "allow" and pulls[0]["job"]["id"] == job
        assert pulls[0]["target"].startswith(f"{API}/images/create?fromImage=")
        results = build_pulls(jobs, "result", 1)
        assert [(p["req"], p["status"]) for p in results] == [(pulls[0]["req"], 200)], results
        assert results[0]["pulled_for"]["req"] == built["req"]
        # Built again with pull=1 on the image now there: pulled again, through the job socket.
        r = build(sock, f"FROM {name}\nRUN echo ok > /ok\n", f"pull=1&t={job}-out:2")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert len(build_pulls(jobs, "request", 2)) == 2
        jobs.job("close", "--id", job)


def test_a_build_warn_mode_forwards_after_its_pull_carries_the_warning_in_its_stream(jobs, dockerd_sock):
    """Warn mode and a pull before the build: the head went out with the
    pull's progress, so the warning is a message of the stream, before the
    build's own output, and the build is named at its end."""
    with registry_job(jobs, dockerd_sock, "warn", mode="warn") as (reg, job, sock):
        name = f"{reg.host}/{unique('base')}:1"
        ulimits = urllib.parse.quote(json.dumps([{"Name": "rtprio", "Soft": 0, "Hard": 0}]))
        r = build(sock, f"FROM {name}\nRUN echo ok > /ok\n", f"pull=1&ulimits={ulimits}&t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert r.header("X-Sockwarden-Warning") is None, r
        messages = [json.loads(line) for line in r.body.splitlines() if line.strip()]
        warnings = [i for i, m in enumerate(messages) if "rtprio" in m.get("stream", "") and "would be denied" in m["stream"]]
        pulled = [i for i, m in enumerate(messages) if "Downloaded newer image" in m.get("status", "")]
        step = [i for i, m in enumerate(messages) if m.get("stream", "").startswith("Step 1/")]
        assert len(warnings) == 1 and pulled and step and pulled[0] < warnings[0] < step[0], messages[:12]
        assert messages[-1] == {"stream": f"Successfully tagged {job}-out:1\n"}, messages[-3:]
        assert image_id(sock, f"{job}-out:1") is not None
        built = records(jobs, "request", "build.image")[-1]
        assert built["would_deny"] is True and built["mode"] == "warn", built
        jobs.job("close", "--id", job)


def test_a_denied_build_pulls_nothing(jobs, dockerd_sock):
    reg = Registry(unique("denied")).start()
    try:
        a, b = unique("ja"), unique("jb")
        sa = jobs.open(a)
        imported = http(sa, "POST", f"{API}/images/create?fromSrc=-&repo={a}-img&tag=1", tar_of({"m": b"a\n"}),
                        {"Content-Type": "application/x-tar"}, timeout=60)
        assert imported.status == 200, imported.body[-300:]
        name = f"{reg.host}/{unique('base')}:1"
        # Denied by the policy (ci.toml does not allow this host's registries).
        plain = jobs.open(unique("jp"))
        r = build(plain, f"FROM {name}\nRUN true\n", "")
        assert r.status == 403, (r.status, r.body[-300:])
        # Denied by the job scope: another job's image, on a later line.
        sb = jobs.open(b, "--policy", job_policy(jobs, reg))
        r = build(sb, f"FROM {name}\nCOPY --from={a}-img:1 /m /m\n", "")
        assert r.status == 404, (r.status, r.body[-300:])
        assert reg.requests == [], reg.requests
        assert image_id(dockerd_sock, name) is None
        assert [p for p in records(jobs, "request", "image.create") if p.get("pulled_for")] == []
    finally:
        reg.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{a}-img:1?force=1")


@pytest.mark.parametrize("cli", CLI_PATHS, ids=cli_id)
@pytest.mark.parametrize("failure", ["unknown", "down", "mid-pull"])
def test_a_failed_pull_answers_the_build_with_its_message(jobs, dockerd_sock, short_tmp, cli, failure):
    reg = Registry(unique("failing")).start()
    job = unique("jb")
    sock = jobs.open(job, "--policy", job_policy(jobs, reg))
    if failure == "unknown":
        ref, says = f"{reg.host}/{unique('base')}@sha256:{'0' * 64}", "manifest unknown"
    elif failure == "mid-pull":
        # The manifest is served (the pull's progress has begun), its layer is not.
        del reg.blobs[_sha(reg.layer)]
        ref, says = f"{reg.host}/{unique('base')}:1", "blob"
    else:
        reg.stop()
        ref, says = f"{reg.host}/{unique('base')}:1", "connection refused"
    try:
        docker = DockerCLI(cli, sock, tempfile.mkdtemp(dir=short_tmp))
        out = docker("build", "-t", f"{job}-out:1", "-", input=f"FROM {ref}\nRUN true\n")
        err = out.stderr.decode(errors="replace")
        assert out.returncode != 0, (out.stdout[-300:], err)
        assert f"pulling {ref} for the build (Dockerfile line 1)" in err and says in err, err
        pulls = build_pulls(jobs, "result", 1)
        assert len(pulls) == 1 and says in (pulls[0]["error"] or "") + str(pulls[0]["status"]), pulls
    finally:
        if failure != "down":
            reg.stop()


def test_a_registry_config_the_daemon_reads_only_in_part_is_not_guessed_at(jobs, dockerd_sock):
    reg = Registry(unique("config")).start()
    try:
        job = unique("jb")
        sock = jobs.open(job, "--policy", job_policy(jobs, reg))
        name = f"{reg.host}/{unique('base')}:1"
        r = http(sock, "POST", f"{API}/build?t={job}-out:1", tar_of({"Dockerfile": f"FROM {name}\n".encode()}),
                 {"Content-Type": "application/x-tar", "X-Registry-Config": "e30/"}, timeout=60)
        assert r.status == 409, (r.status, r.body[-300:])
        assert "cannot pull it first" in json.loads(r.body)["message"]
        assert reg.requests == [] and image_id(dockerd_sock, name) is None
    finally:
        reg.stop()


def test_a_client_that_hangs_up_during_a_pull_ends_it_and_its_connection(proxy_bin, dockerd_sock, image, short_tmp):
    # One connection per uid: a slot the hang-up left taken would refuse every later one.
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), ("--max-connections-per-uid", "1")).start()
    reg = Registry(unique("slow")).start()
    reg.blob_delay = 4
    name = f"{reg.host}/{unique('base')}:1"
    try:
        job = unique("jb")
        sock = jobs.open(job, "--policy", job_policy(jobs, reg))
        body = tar_of({"Dockerfile": f"FROM {name}\nRUN true\n".encode()})
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.sendall(f"POST {API}/build?t={job}-out:1 HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        wait_for(lambda: any("/blobs/" in p for p in reg.requests), 30, what="the pull to reach the registry")
        # The build holds the uid's one slot: a new connection is answered 503 at once.
        with socket.socket(socket.AF_UNIX) as other:
            other.settimeout(10)
            other.connect(sock)
            assert other.recv(4096).startswith(b"HTTP/1.1 503")
        s.close()
        built = wait_for(lambda: [r for r in records(jobs, "result", "build.image") if r.get("error")], 30,
                         what="the build's result record")
        assert "pulled the build's images" in built[-1]["error"], built
        pulled = build_pulls(jobs, "result", 1)
        assert len(pulled) == 1 and "client closed the connection" in pulled[0]["error"], pulled
        wait_for(lambda: http(sock, "GET", f"{API}/_ping").status == 200, 10, what="the slot to be given back")
    finally:
        reg.blob_delay = 0
        reg.stop()
        jobs.proxy.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")


@pytest.mark.parametrize("key", ["host", "legacy-url", "none"])
@pytest.mark.parametrize("target", ["daemon", "job"])
def test_a_build_pulls_with_the_credentials_the_daemon_would_pick(jobs, dockerd_sock, key, target):
    reg = Registry(unique("auth")).start()
    reg.basic_auth = "ci:s3cret"
    try:
        job = unique("jb")
        sock = dockerd_sock if target == "daemon" else jobs.open(job, "--policy", job_policy(jobs, reg))
        name = f"{reg.host}/{unique('base')}:1"
        server = {"host": reg.host, "legacy-url": f"http://{reg.host}/v1/", "none": "https://index.docker.io/v1/"}[key]
        config = {server: {"username": "ci", "password": "s3cret"}}
        header = base64.urlsafe_b64encode(json.dumps(config).encode()).decode()
        r = http(sock, "POST", f"{API}/build?t={job}-out:1", tar_of({"Dockerfile": f"FROM {name}\nRUN true\n".encode()}),
                 {"Content-Type": "application/x-tar", "X-Registry-Config": header}, timeout=120)
        if key == "none":
            # Docker Hub's credentials are not this registry's: the pull is refused by the registry.
            assert r.status != 200 or b"errorDetail" in r.body, r.body[-300:]
            assert b"no basic auth credentials" in r.body or b"unauthorized" in r.body.lower(), r.body[-300:]
            assert image_id(dockerd_sock, name) is None
        else:
            assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
            assert image_id(dockerd_sock, name) == reg.image_id
    finally:
        reg.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{reg.image_id}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{job}-out:1?force=1")


@pytest.mark.parametrize("pull_flag", ["", "pull=1&"], ids=["absent", "pull=1"])
def test_images_a_pulled_bases_triggers_name_are_pulled_in_a_next_round(jobs, dockerd_sock, pull_flag):
    reg = Registry(unique("onbuild")).start()
    try:
        job = unique("jb")
        sock = jobs.open(job, "--policy", job_policy(jobs, reg))
        base, tools = f"{reg.host}/{unique('base')}:1", f"{reg.host}/{unique('tools')}:1"
        reg.serve_config(lambda config: config["config"].update({"OnBuild": [f"COPY --from={tools} /marker /from-tools"]}))
        if pull_flag:
            # On the daemon already: with pull=1 the daemon would pull it again, so the job socket does.
            tools_repo, tools_tag = tools.rsplit(":", 1)
            assert pull(dockerd_sock, tools_repo, tools_tag).status == 200
        r = build(sock, f"FROM {base}\nRUN cat /from-tools\n", f"{pull_flag}t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-500:]
        assert image_id(dockerd_sock, base) == reg.image_id and image_id(dockerd_sock, tools) == reg.image_id
        pulls = build_pulls(jobs, "request", 2)
        assert len(pulls) == 2 and "tools" in pulls[1]["target"], [p["target"] for p in pulls]
    finally:
        reg.stop()
        for ref in (f"{job}-out:1", reg.image_id):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")


@pytest.mark.parametrize("cli", CLI_PATHS, ids=cli_id)
def test_the_docker_cli_shows_the_pull_then_the_build(jobs, dockerd_sock, short_tmp, cli):
    with registry_job(jobs, dockerd_sock, "cli") as (reg, job, sock):
        name = f"{reg.host}/{unique('base')}:1"
        docker = DockerCLI(cli, sock, tempfile.mkdtemp(dir=short_tmp))
        out = docker("build", "--pull", "-t", f"{job}-out:1", "-", input=f"FROM {name}\nRUN echo built\n")
        text = out.stdout.decode(errors="replace")
        assert out.returncode == 0, (text[-500:], out.stderr[-500:])
        assert text.index("Downloaded newer image for") < text.index("Step 1/") < text.index("built"), text
        jobs.job("close", "--id", job)


def test_an_http10_client_gets_the_build_without_the_pulls_progress(jobs, dockerd_sock):
    # HTTP/1.0 has no chunked stream to continue: the pulls are silent, the answer is the daemon's.
    with registry_job(jobs, dockerd_sock, "http10") as (reg, job, sock):
        name = f"{reg.host}/{unique('base')}:1"
        with RawConn(sock, timeout=120) as c:
            r = c.request("POST", f"{API}/build?t={job}-out:1", tar_of({"Dockerfile": f"FROM {name}\nRUN true\n".encode()}),
                          {"Content-Type": "application/x-tar"}, version="HTTP/1.0")
        assert r.status == 200 and b"Step 1/" in r.body and b"errorDetail" not in r.body, r.body[-300:]
        assert b"Downloaded newer image" not in r.body
        assert image_id(dockerd_sock, name) == reg.image_id
