"""Container prune on job sockets. dockerd 20.10's prune removes containers
without their anonymous volumes (`Config.Volumes`, an image's `VOLUME`, a
volume mount without a source), which carry no owner label: after a prune
on a job socket they stayed on the daemon, out of every job's reach, and
`job close` (which finds volumes by the label) never reaped them. A job
socket now prunes the job's containers itself, each removed with `v=1`.

Each case is differential where it can be: straight to the daemon (scoped by
a label of the test's own, so nothing else on the daemon is pruned) against
the same request on a job socket."""
import json
import re
import time
import urllib.parse

import pytest

from swhelpers import API, DockerCLI, http, unique, wait_for
from test_jobs import IMG, Jobs, inspect, jobs, post  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.proxy_only


def volumes(daemon: str) -> set[str]:
    return {v["Name"] for v in json.loads(http(daemon, "GET", f"{API}/volumes").body)["Volumes"] or []}


def stopped(sock: str, name: str, labels: dict | None = None, cmd: str = "true", named: str | None = None):
    """A container with an anonymous volume of each kind, run to its end."""
    host = {"NetworkMode": "none", "Mounts": [{"Type": "volume", "Target": "/mounted"}]}
    if named:
        host["Binds"] = [f"{named}:/named"]
    r = post(sock, f"{API}/containers/create?name={name}",
             {"Image": IMG, "Cmd": ["sh", "-c", cmd], "Volumes": {"/anon": {}}, "Labels": labels or {}, "HostConfig": host})
    assert r.status == 201, r.body
    assert http(sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    assert http(sock, "POST", f"{API}/containers/{name}/wait", b"").status == 200
    return json.loads(r.body)["Id"]


def prune(sock: str, filters: dict | None = None):
    query = "?filters=" + urllib.parse.quote(json.dumps(filters)) if filters is not None else ""
    return http(sock, "POST", f"{API}/containers/prune{query}", b"")


def test_a_pruned_container_takes_its_anonymous_volumes_along(jobs, dockerd_sock):
    before = volumes(dockerd_sock)
    # Straight to the daemon: the prune keeps the anonymous volumes.
    mark = unique("pr-mark")
    direct = stopped(dockerd_sock, unique("pr-direct"), {mark: "1"})
    left = volumes(dockerd_sock) - before
    assert len(left) == 2, left
    r = prune(dockerd_sock, {"label": [mark]})
    assert r.status == 200 and json.loads(r.body)["ContainersDeleted"] == [direct], r.body
    assert volumes(dockerd_sock) - before == left, "the daemon's prune now removes anonymous volumes"
    for name in left:
        assert http(dockerd_sock, "DELETE", f"{API}/volumes/{name}").status == 204
    # Through a job socket none stays; a named volume of the job is kept until the close.
    job, other = unique("pr-a"), unique("pr-b")
    sock, other_sock = jobs.open(job), jobs.open(other)
    theirs = stopped(other_sock, unique("pr-theirs"))
    theirs_volumes = volumes(dockerd_sock) - before
    named = unique("pr-named")
    mine = stopped(sock, unique("pr-mine"), named=named)
    running = unique("pr-running")
    assert post(sock, f"{API}/containers/create?name={running}",
                {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).status == 201
    assert http(sock, "POST", f"{API}/containers/{running}/start", b"").status == 204
    assert len(volumes(dockerd_sock) - before - theirs_volumes) == 3
    r = prune(sock)
    assert r.status == 200, r.body
    assert ("content-type", "application/json") in [(k.lower(), v) for k, v in r.headers], r.headers
    assert json.loads(r.body) == {"ContainersDeleted": [mine], "SpaceReclaimed": 0}, r.body
    assert volumes(dockerd_sock) - before - theirs_volumes == {named}
    assert inspect(dockerd_sock, theirs) is not None, "another job's container was pruned"
    # The audit thread may write the record after the answer.
    records = lambda: [a for a in jobs.audit() if a.get("route") == "container.prune" and (a.get("job") or {}).get("id") == job]  # noqa: E731
    wait_for(records, 5, what="the prune's audit record")
    record = records()[-1]
    assert (record["decision"], record["rule"], record["status"]) == ("allow", "job-scope", 200), record
    assert inspect(dockerd_sock, running) is not None, "a running container was pruned"
    # Nothing left to prune: the daemon's answer for none.
    assert prune(sock).body == prune(dockerd_sock, {"label": [unique("none")]}).body == b'{"ContainersDeleted":null,"SpaceReclaimed":0}\n'
    jobs.job("close", "--id", job)
    assert volumes(dockerd_sock) - before == theirs_volumes, volumes(dockerd_sock) - before


def test_the_prune_answer_is_printed_by_the_cli_as_the_daemons(jobs, dockerd_sock, cli_path, docker_config):
    """`docker container prune` prints the IDs and the space reclaimed,
    which sockwarden counts as the daemon does (the container's SizeRw)."""
    before = volumes(dockerd_sock)
    mark = unique("pr-mark")
    writes = "echo sockwarden-prune-test > /written"
    direct = stopped(dockerd_sock, unique("pr-direct"), {mark: "1"}, cmd=writes)
    expected = DockerCLI(cli_path, dockerd_sock, docker_config)("container", "prune", "-f", "--filter", f"label={mark}")
    assert expected.returncode == 0, expected.stderr
    for name in volumes(dockerd_sock) - before:
        http(dockerd_sock, "DELETE", f"{API}/volumes/{name}")
    job = unique("pr-cli")
    sock = jobs.open(job)
    mine = stopped(sock, unique("pr-mine"), cmd=writes)
    out = DockerCLI(cli_path, sock, docker_config)("container", "prune", "-f")
    assert out.returncode == 0, out.stderr
    printed, wanted = out.stdout.decode(), expected.stdout.decode()
    assert printed.replace(mine, "ID") == wanted.replace(direct, "ID"), (printed, wanted)
    assert re.search(r"Total reclaimed space: [1-9]", printed), printed
    assert volumes(dockerd_sock) - before == set()


@pytest.mark.parametrize("volumes_flag", [[], ["--volumes"]])
def test_system_prune_on_a_job_socket_leaves_no_anonymous_volume(jobs, dockerd_sock, cli_path, docker_config, volumes_flag):
    before = volumes(dockerd_sock)
    job = unique("pr-sys")
    sock = jobs.open(job)
    mine = stopped(sock, unique("pr-mine"))
    out = DockerCLI(cli_path, sock, docker_config)("system", "prune", "-f", *volumes_flag)
    assert mine in out.stdout.decode(), (out.stdout, out.stderr)
    assert inspect(dockerd_sock, mine) is None
    assert volumes(dockerd_sock) - before == set()


def test_prune_filters_choose_as_on_the_daemon(jobs, dockerd_sock):
    """`until` (a duration, a Unix timestamp, RFC 3339), `label` and
    `label!` (excluded only when every value matches), as `daemon/prune.go`
    reads them; each step prunes what the one before left."""
    before = volumes(dockerd_sock)
    sock = jobs.open(unique("pr-f"))
    old = stopped(sock, unique("pr-old"), {"keep": "no", "tier": "a"})
    time.sleep(1.1)
    cut = time.time()
    time.sleep(1.1)
    new = stopped(sock, unique("pr-new"), {"keep": "yes", "tier": "a"})
    plain = stopped(sock, unique("pr-plain"))
    steps = [
        ({"until": ["240h"]}, []),
        ({"until": [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cut))], "label": ["keep=yes"]}, []),
        ({"until": [str(int(cut))], "label": ["tier"]}, [old]),
        ({"label!": ["keep"]}, [plain]),
        ({"label": ["tier=a"], "label!": ["keep=no", "nothing"]}, [new]),
    ]
    for filters, chosen in steps:
        r = prune(sock, filters)
        assert r.status == 200, (filters, r.body)
        assert (json.loads(r.body)["ContainersDeleted"] or []) == chosen, (filters, r.body)
    assert volumes(dockerd_sock) - before == set()


@pytest.mark.parametrize("filters", [{"bogus": ["x"]}, {"until": ["x"]}, {"until": ["1h", "2h"]}, {"until": ["2026-13-01"]}])
def test_a_filter_the_daemon_refuses_is_refused_with_its_answer(jobs, dockerd_sock, filters):
    sock = jobs.open(unique("pr-bad"))
    expected = prune(dockerd_sock, filters)
    assert expected.status in (400, 500), expected.body  # the daemon answers 500 for an until it cannot read
    r = prune(sock, filters)
    assert (r.status, json.loads(r.body)) == (expected.status, json.loads(expected.body))
