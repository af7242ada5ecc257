"""A job's classic build takes its names (`-t`) when it ends, not when it
starts. The job socket checked a build's names when it judged the build, but
the daemon tags only at the end, minutes later: a runner that built the
same name meanwhile, straight on the daemon, had its name moved to the
job's image when the job's build ended, and then ran the job's code as its
own image (reproduced against dockerd 20.10.24, 2026-12-01).

The job socket now forwards the build without its names, reads the build's
stream for the image it made, checks each name again at the end and tags it
through the daemon, with the daemon's own "Successfully tagged" lines; a
name taken meanwhile ends the build's stream with an error naming it.

Differential: every check of what a name points at is made straight on the
daemon; the outputs are compared with the same build straight on the daemon."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import urllib.parse

import pytest

from swhelpers import API, CLI_PATHS, RawConn, http, tar_of, unique, wait_for
from test_jobs import IMG, POLICIES, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
OLD_CLI = "/usr/bin/docker"
COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"


def image_id(daemon: str, name: str) -> str | None:
    r = http(daemon, "GET", f"{API}/images/{name}/json")
    return json.loads(r.body)["Id"] if r.status == 200 else None


def labels(daemon: str, ref: str) -> dict:
    return json.loads(http(daemon, "GET", f"{API}/images/{ref}/json").body)["Config"]["Labels"] or {}


def context(short_tmp: str, dockerfile: str) -> str:
    d = tempfile.mkdtemp(dir=short_tmp)
    with open(os.path.join(d, "Dockerfile"), "w") as f:
        f.write(dockerfile)
    return d


def docker(cli: str, sock: str, config: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=config, DOCKER_BUILDKIT="0")
    out = subprocess.run([cli, *args], capture_output=True, text=True, timeout=180, env=env)
    if check:
        assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-2000:])
    return out


@pytest.fixture
def names(dockerd_sock):
    made: list[str] = []
    yield lambda stem: made.append(f"{unique(stem)}:dev") or made[-1]
    for name in made:
        http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")


def build_containers(daemon: str, command: str) -> list[str]:
    listed = json.loads(http(daemon, "GET", f"{API}/containers/json").body)
    return [c["Id"] for c in listed if command in c["Command"]]


def test_a_name_the_runner_built_during_a_jobs_build_stays_the_runners(jobs, dockerd_sock, short_tmp, docker_config, names):
    job = unique("race")
    sock = jobs.open(job)
    name = names("swtest/racy")
    marker = unique("slow")
    slow = context(short_tmp, f"FROM {IMG}\nRUN sleep 4 && echo {marker}\n")
    fast = context(short_tmp, f"FROM {IMG}\nRUN echo runner-{marker} > /who\n")
    # The name is free when the job's build is judged.
    assert image_id(dockerd_sock, name) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=docker_config, DOCKER_BUILDKIT="0")
    late = subprocess.Popen([OLD_CLI, "build", "-t", name, slow], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        # The job's build is running its slow step; the runner builds the name, straight on the daemon.
        wait_for(lambda: build_containers(dockerd_sock, marker) or late.poll() is not None, 60, what="the job's RUN step")
        assert late.poll() is None, late.communicate()
        docker(OLD_CLI, dockerd_sock, docker_config, "build", "-t", name, fast)
        runners = image_id(dockerd_sock, name)
        assert runners and "io.sockwarden.job" not in labels(dockerd_sock, runners)
        out, err = late.communicate(timeout=180)
    finally:
        if late.poll() is None:
            late.kill()
    # Old binary: the daemon moved the runner's name to the job's image.
    assert image_id(dockerd_sock, name) == runners, (out[-500:], err[-500:])
    # The job's build reports the name taken, and fails as a build does.
    assert late.returncode != 0, out[-1000:]
    familiar = name
    assert f"did not name it {familiar}" in err and "is in use and is not job" in err, err[-1000:]
    assert "Successfully built" in out and f"Successfully tagged {familiar}" not in out, out[-500:]
    # The job's image is there, untagged and the job's, reaped with the job.
    mine = [i for i in json.loads(http(dockerd_sock, "GET", f"{API}/images/json").body)
            if (i.get("Labels") or {}).get("io.sockwarden.job") == job]
    assert len(mine) == 1 and not [t for t in (mine[0]["RepoTags"] or []) if t != "<none>:<none>"], mine
    # The build's record says which name was not given and why. It is
    # written once the stream's end has gone to the client, which may read
    # the log first (it did, once, on a loaded machine): waited for.
    results = wait_for(lambda: [r for r in jobs.audit() if r.get("route") == "build.image" and r.get("status") == 200],
                       20, what="the build's result record")
    assert f"did not name it {familiar}" in (results[-1].get("error") or ""), results[-1]


def tagged_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("Successfully built", "Successfully tagged"))]


@pytest.mark.parametrize("cli", CLI_PATHS)
@pytest.mark.parametrize("count", [1, 3])
def test_a_jobs_build_is_named_as_the_daemon_names_it(jobs, dockerd_sock, short_tmp, docker_config, names, cli, count):
    job = unique("bt")
    sock = jobs.open(job)
    ctx = context(short_tmp, f"FROM {IMG}\nRUN echo {unique('x')} > /f\n")
    straight = [names("swtest/straight") for _ in range(count)]
    through = [names(f"swtest/{job}") for _ in range(count)]
    flags = lambda ns: [a for n in ns for a in ("-t", n)]  # noqa: E731
    expected = tagged_lines(docker(cli, dockerd_sock, docker_config, "build", *flags(straight), ctx).stdout)
    # The same build, its names and its cache aside, through the job socket.
    out = docker(cli, sock, docker_config, "build", "--no-cache", *flags(through), ctx).stdout
    got = tagged_lines(out)
    built = image_id(dockerd_sock, through[0])
    assert built and labels(dockerd_sock, built).get("io.sockwarden.job") == job
    assert [image_id(dockerd_sock, n) for n in through] == [built] * count
    short = built.split(":")[1][:12]
    assert got == [f"Successfully built {short}"] + [f"Successfully tagged {n}" for n in through], out[-800:]
    assert [line.split()[1] for line in got] == [line.split()[1] for line in expected]
    # Built again under the same names: they are the job's own, and move to the new image.
    ctx2 = context(short_tmp, f"FROM {IMG}\nRUN echo {unique('y')} > /f\n")
    docker(cli, sock, docker_config, "build", *flags(through), ctx2)
    again = image_id(dockerd_sock, through[0])
    assert again != built and [image_id(dockerd_sock, n) for n in through] == [again] * count


def test_each_name_a_build_is_given_has_its_own_audit_records(jobs, dockerd_sock, short_tmp, docker_config, names):
    """The job socket's own `docker tag` at a build's end is in the audit log
    as the job's tag would be, pointing back at the build (`tagged_for`)."""
    job = unique("ba")
    sock = jobs.open(job)
    through = [names(f"swtest/{job}") for _ in range(2)]
    docker(OLD_CLI, sock, docker_config, "build", "-t", through[0], "-t", through[1],
           context(short_tmp, f"FROM {IMG}\nRUN echo {unique('a')} > /f\n"))
    built = image_id(dockerd_sock, through[0])
    log = wait_for(lambda: (lambda a: a if len([r for r in a if r.get("tagged_for") and r["event"] == "result"]) == 2
                            and [r for r in a if r.get("route") == "build.image" and r["event"] == "result"] else None)(jobs.audit()),
                   10, what="the tags' result records")
    build_req = [r for r in log if r.get("route") == "build.image" and r["event"] == "request"][-1]
    build_res = [r for r in log if r.get("route") == "build.image" and r["event"] == "result"][-1]
    tags = [r for r in log if r.get("tagged_for")]
    assert [(r["event"], r["route"], r["method"], r["decision"], r["rule"]) for r in tags] == \
        [(e, "image.tag", "POST", "allow", "job-scope") for e in ("request", "result")] * 2, tags
    assert {r["tagged_for"]["req"] for r in tags} == {build_req["req"]}
    assert all(r["job"]["id"] == job and r["conn"] == build_req["conn"] for r in tags), tags
    # Each tag is its own request, by the image's full ID, between the build's request and result.
    assert len({r["req"] for r in tags}) == 2 and build_req["req"] not in {r["req"] for r in tags}
    assert all(build_req["seq"] < r["seq"] < build_res["seq"] for r in tags), (build_req, tags, build_res)
    requests = [r for r in tags if r["event"] == "request"]
    def read(target: str) -> tuple:
        path, _, query = target.partition("?")
        return urllib.parse.unquote(path), urllib.parse.parse_qs(query)
    assert [read(r["target"]) for r in requests] == \
        [(f"/v1.41/images/{built}/tag", {"repo": [n.split(":")[0]], "tag": ["dev"]}) for n in through], requests
    assert [r["status"] for r in tags if r["event"] == "result"] == [201, 201]
    # The build's own records carry no tagged_for; the daemon's names are the ones recorded.
    assert "tagged_for" not in build_req and "tagged_for" not in build_res
    assert [image_id(dockerd_sock, n) for n in through] == [built, built]


def test_a_failed_build_names_nothing(jobs, dockerd_sock, short_tmp, docker_config, names):
    sock = jobs.open(unique("bf"))
    name = names("swtest/failed")
    out = docker(OLD_CLI, sock, docker_config, "build", "-t", name,
                 context(short_tmp, f"FROM {IMG}\nRUN echo {unique('z')} && false\n"), check=False)
    assert out.returncode != 0 and "Successfully tagged" not in out.stdout
    assert image_id(dockerd_sock, name) is None


def test_the_sdk_reads_the_image_and_its_name(jobs, dockerd_sock, short_tmp, names):
    docker_sdk = pytest.importorskip("docker")
    job = unique("bsdk")
    client = docker_sdk.DockerClient(base_url=f"unix://{jobs.open(job)}", version="auto", timeout=120)
    name = names("swtest/sdk")
    try:
        image, logs = client.images.build(path=context(short_tmp, f"FROM {IMG}\nRUN echo {unique('s')} > /f\n"), tag=name)
        lines = "".join(entry.get("stream", "") for entry in logs)
        assert f"Successfully tagged {name}" in lines, lines
        assert image.id == image_id(dockerd_sock, name) and name in image.tags
        assert labels(dockerd_sock, image.id).get("io.sockwarden.job") == job
        # Taken when the build is judged: refused before it runs, as before.
        taken = names("swtest/sdk-taken")
        repo = taken.split(":")[0]
        assert http(dockerd_sock, "POST", f"{API}/images/{IMG}/tag?repo={repo}&tag=dev", b"").status == 201
        with pytest.raises(docker_sdk.errors.APIError) as refused:
            client.images.build(path=context(short_tmp, f"FROM {IMG}\nRUN true\n"), tag=taken)
        assert refused.value.status_code == 409
        # Taken while the build runs: the SDK reads the error at the end of the stream (BuildError).
        late = names("swtest/sdk-late")
        marker = unique("sdkslow")
        failure: list[BaseException] = []

        def build():
            try:
                client.images.build(path=context(short_tmp, f"FROM {IMG}\nRUN sleep 4 && echo {marker}\n"), tag=late)
            except BaseException as exc:  # noqa: BLE001 - checked below
                failure.append(exc)
        t = threading.Thread(target=build)
        t.start()
        wait_for(lambda: build_containers(dockerd_sock, marker) or not t.is_alive(), 60, what="the job's RUN step")
        assert http(dockerd_sock, "POST", f"{API}/images/{IMG}/tag?repo={late.split(':')[0]}&tag=dev", b"").status == 201
        t.join(120)
        assert failure and isinstance(failure[0], docker_sdk.errors.BuildError), failure
        assert f"did not name it {late}" in str(failure[0]) and "is in use and is not job" in str(failure[0])
        assert image_id(dockerd_sock, late) == image_id(dockerd_sock, IMG)
    finally:
        client.close()


COMPOSE_FILE = """version: "2.4"
services:
  app:
    build: .
    image: {name}
    network_mode: none
"""


def test_compose_build_names_the_jobs_image(jobs, dockerd_sock, short_tmp, docker_config, names):
    if not os.access(COMPOSE, os.X_OK):
        pytest.skip("docker-compose (v1) not installed")
    job = unique("bcomp")
    sock = jobs.open(job)
    name = names("swtest/compose")
    ctx = context(short_tmp, f"FROM {IMG}\nRUN echo {unique('c')} > /f\n")
    with open(os.path.join(ctx, "docker-compose.yml"), "w") as f:
        f.write(COMPOSE_FILE.format(name=name))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=docker_config,
               COMPOSE_PROJECT_NAME=job.replace("-", ""), COMPOSE_INTERACTIVE_NO_CLI="1")
    r = subprocess.run([COMPOSE, "build"], cwd=ctx, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"Successfully tagged {name}" in r.stdout + r.stderr
    built = image_id(dockerd_sock, name)
    assert built and labels(dockerd_sock, built).get("io.sockwarden.job") == job


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
def test_the_stream_ends_as_the_daemons_does(jobs, dockerd_sock, names, version):
    """HTTP/1.0: the daemon's stream runs until it closes, the names come
    before the close; HTTP/1.1: chunked, the names before the last chunk, and
    the connection is kept for the next request, as straight."""
    job = unique("bv")
    sock = jobs.open(job)
    ctx = tar_of({"Dockerfile": f"FROM {IMG}\nRUN echo {unique('v')} > /f\n".encode()})
    for where, name in ((dockerd_sock, names("swtest/v-straight")), (sock, names(f"swtest/{job}"))):
        with RawConn(where, 120) as c:
            r = c.request("POST", f"{API}/build?t={name}&t={name}", ctx, {"Content-Type": "application/x-tar"}, version)
            assert r.status == 200, r.body[-300:]
            if version == "HTTP/1.1":
                assert c.request("GET", "/_ping").body == b"OK"
        lines = [json.loads(line) for line in r.body.splitlines() if line.strip()]
        built = image_id(dockerd_sock, name)
        assert lines[-2:] == [{"stream": f"Successfully built {built.split(':')[1][:12]}\n"},
                              {"stream": f"Successfully tagged {name}\n"}], lines[-3:]
        assert lines[-3]["aux"]["ID"] == built
    assert labels(dockerd_sock, image_id(dockerd_sock, f"{name}")).get("io.sockwarden.job") == job


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
def test_a_build_warn_mode_forwards_is_warned_about_and_named(jobs, dockerd_sock, short_tmp, names, version):
    """Under a job policy in warn mode, a build the policy would deny (a
    `ulimits` ci.toml does not allow) is forwarded: the head carries the
    warning, the stream is relayed and the names are given at its end."""
    with open(os.path.join(POLICIES, "ci.toml")) as f:
        text = f.read()
    assert 'mode = "enforce"' in text
    policy = os.path.join(tempfile.mkdtemp(dir=short_tmp), "warn.toml")
    with open(policy, "w") as f:
        f.write(text.replace('mode = "enforce"', 'mode = "warn"', 1))
    job = unique("bw")
    sock = jobs.open(job, "--policy", policy)
    name = names(f"swtest/{job}")
    ulimits = urllib.parse.quote(json.dumps([{"Name": "rtprio", "Soft": 0, "Hard": 0}]))
    ctx = tar_of({"Dockerfile": f"FROM {IMG}\nRUN echo {unique('w')} > /f\n".encode()})
    with RawConn(sock, 120) as c:
        r = c.request("POST", f"{API}/build?t={name}&ulimits={ulimits}", ctx, {"Content-Type": "application/x-tar"}, version)
        assert r.status == 200, r.body[-300:]
        assert "rtprio" in (r.header("X-Sockwarden-Warning") or ""), r
        if version == "HTTP/1.1":
            assert c.request("GET", "/_ping").body == b"OK"
    built = image_id(dockerd_sock, name)
    lines = [json.loads(line) for line in r.body.splitlines() if line.strip()]
    assert built and lines[-1] == {"stream": f"Successfully tagged {name}\n"}, lines[-3:]
    assert labels(dockerd_sock, built).get("io.sockwarden.job") == job
    build = [x for x in jobs.audit() if x.get("route") == "build.image" and x["event"] == "request"][-1]
    assert build["would_deny"] is True and build["decision"] == "allow" and build["mode"] == "warn", build


def test_a_quiet_build_shows_only_its_image(jobs, dockerd_sock, short_tmp, docker_config, names):
    """`docker build -q`: the daemon shows only the image ID, no "Successfully tagged"."""
    job = unique("bq")
    sock = jobs.open(job)
    for cli in CLI_PATHS:
        ctx = context(short_tmp, f"FROM {IMG}\nRUN echo {unique('q')} > /f\n")
        straight, through = names("swtest/q-straight"), names(f"swtest/{job}")
        expected = docker(cli, dockerd_sock, docker_config, "build", "-q", "-t", straight, ctx).stdout
        out = docker(cli, sock, docker_config, "build", "-q", "--no-cache", "-t", through, ctx).stdout
        assert expected.strip() == image_id(dockerd_sock, straight)
        assert out.strip() == image_id(dockerd_sock, through), (cli, out)
        assert labels(dockerd_sock, out.strip()).get("io.sockwarden.job") == job


def test_an_old_api_build_is_named_by_its_id_prefix(jobs, dockerd_sock, names):
    """Before API 1.30 the builder emits no aux message: the image is the
    job's own whose ID the daemon's "Successfully built" line begins."""
    job = unique("bo")
    sock = jobs.open(job)
    name = names(f"swtest/{job}")
    ctx = tar_of({"Dockerfile": f"FROM {IMG}\nRUN echo {unique('o')} > /f\n".encode()})
    r = http(sock, "POST", f"/v1.29/build?t={name}", ctx, {"Content-Type": "application/x-tar"}, timeout=120)
    lines = [json.loads(line) for line in r.body.splitlines() if line.strip()]
    assert not [m for m in lines if "aux" in m]
    built = image_id(dockerd_sock, name)
    assert built and labels(dockerd_sock, built).get("io.sockwarden.job") == job
    assert lines[-1] == {"stream": f"Successfully tagged {name}\n"}, lines[-3:]
