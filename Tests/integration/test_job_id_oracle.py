"""What a job socket answers about a container, exec or network that is not
the job's: byte for byte what it answers about one that does not exist.

dockerd 20.10 looks a reference up among every object on it (exact ID,
exact name, then ID prefix), and the job socket's policy judged the
container an exec, start, kill, copy or update names before the job scope
did. So, on the same route, another job's container gave "No such
container", nothing gave the policy's "names no container the daemon
knows", a runner's privileged container gave the policy's refusal with its
`HostConfig.Privileged`, and a prefix two others shared gave "Multiple IDs
found with provided prefix": character by character, a job read every
container ID on the daemon and what each may do (found 2026-12-01, session
15). And a prefix of the job's own container that another's shared was not
found at all. Now such a reference is answered as the daemon answers one
to nothing (its 404, before the policy judges), and a prefix only the job's
own object has names it. Each answer is compared with the answer for
nothing, the reference written in its place; straight to the daemon, the
same references are told apart."""
import json
import urllib.parse
from collections import Counter

import pytest

from swhelpers import API, http, unique
from test_jobs import IMG, Jobs, create, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only

HEX = "0123456789abcdef"


def container_ids(sock: str) -> list[str]:
    return [c["Id"] for c in json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body)]


@pytest.fixture(scope="module")
def others(dockerd_sock, image):
    """The runner's containers, straight on the daemon: the first privileged
    (an agent), and 17 in all, so two of them share a first ID digit."""
    names, ids = [unique("runner") for _ in range(17)], []
    for i, name in enumerate(names):
        r = post(dockerd_sock, f"{API}/containers/create?name={name}",
                 {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none", "Privileged": i == 0}})
        assert r.status == 201, r
        ids.append(json.loads(r.body)["Id"])
    yield names, ids
    for name in names:
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")


def references(dockerd_sock: str, others) -> dict[str, str]:
    """Each kind of reference to what is not the job's, and one to nothing."""
    names, ids = others
    everyone = container_ids(dockerd_sock)
    shared = next(d for d, n in Counter(i[0] for i in everyone).items() if n >= 2)
    nothing = next(a + b for a in HEX for b in HEX if not any(i.startswith(a + b) for i in everyone))
    return {
        "another's full ID": ids[1],
        "another's name": names[1],
        "another's ID prefix": ids[1][:12],
        "a privileged container's ID prefix": ids[0][:12],
        "a prefix two others share": shared,
        "a prefix of nothing": nothing,
    }


def answer(sock: str, method: str, target: str, body, ref: str) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    r = http(sock, method, API + target.replace("{}", urllib.parse.quote(ref, safe="")), data,
             {"Content-Type": "application/json"} if data is not None else None)
    return r.status, r.body


def differing(ask, refs: dict[str, str], nothing: str) -> tuple[tuple[int, bytes], dict]:
    """The answer for `nothing`, and each reference whose answer is not that
    answer with the reference written in its place."""
    status, body = ask(nothing)
    differ = {}
    for what, ref in refs.items():
        expected = (status, body.replace(nothing.encode(), ref.encode()))
        if (got := ask(ref)) != expected:
            differ[what] = got
    return (status, body), differ


ROUTES = [
    ("GET", "/containers/{}/json", None),
    ("GET", "/containers/{}/top", None),
    ("GET", "/containers/{}/logs?stdout=1", None),
    ("POST", "/containers/{}/start", None),
    ("POST", "/containers/{}/stop", None),
    ("POST", "/containers/{}/restart", None),
    ("POST", "/containers/{}/kill", None),
    ("POST", "/containers/{}/pause", None),
    ("POST", "/containers/{}/update", {}),
    ("POST", "/containers/{}/exec", {"Cmd": ["true"]}),
    ("GET", "/containers/{}/archive?path=/", None),
    ("POST", "/containers/{}/attach?stream=0&stdout=1", None),
    ("DELETE", "/containers/{}", None),
    ("GET", "/containers/json?all=1&filters=%7B%22before%22%3A%5B%22{}%22%5D%7D", None),
    ("POST", "/containers/create", "volumes-from"),
]


def test_the_daemon_tells_them_apart(dockerd_sock, others):
    """The baseline: straight to the daemon, these references answer differently."""
    refs = references(dockerd_sock, others)
    got = {what: http(dockerd_sock, "GET", f"{API}/containers/{ref}/json").status for what, ref in refs.items()}
    assert got == {"another's full ID": 200, "another's name": 200, "another's ID prefix": 200,
                   "a privileged container's ID prefix": 200, "a prefix two others share": 500,
                   "a prefix of nothing": 404}, got
    shared = refs["a prefix two others share"]
    assert b"Multiple IDs found with provided prefix" in http(dockerd_sock, "GET", f"{API}/containers/{shared}/json").body


@pytest.mark.parametrize("method,target,body", ROUTES, ids=[f"{m} {t.split('?')[0]}" + (f" {b}" if isinstance(b, str) else "") for m, t, b in ROUTES])
def test_another_jobs_or_the_runners_container_is_answered_as_nothing(jobs, dockerd_sock, others, method, target, body):
    b = unique("jb")
    sb = jobs.open(b)
    assert create(sb, f"{b}-c").status == 201
    sa = jobs.open(unique("ja"))  # no container of its own: every reference here names nothing of job A's
    refs = references(dockerd_sock, others)
    refs["another job's name"] = f"{b}-c"
    refs["another job's ID prefix"] = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{b}-c/json").body)["Id"][:10]
    missing = "nosuch-" + unique("c")
    if body == "volumes-from":
        def ask(ref):
            data = {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", "VolumesFrom": [ref]}}
            return answer(sa, "POST", target, data, ref)
    else:
        def ask(ref):
            return answer(sa, method, target, body, ref)
    expected, differ = differing(ask, refs, missing)
    assert not differ, f"answered as nothing: {expected}; but {differ}"
    if target.startswith("/containers/{}") and not target.startswith("/containers/{}/attach"):
        # Nothing is answered as the daemon answers it (not by the policy). Not yet attach's (plain text after the upgrade).
        assert expected == answer(dockerd_sock, method, target, body, missing)
    # Nothing of theirs was touched.
    assert http(dockerd_sock, "GET", f"{API}/containers/{b}-c/json").status == 200


def test_a_prefix_of_the_jobs_own_container_that_another_shares_names_the_jobs(jobs, dockerd_sock, others):
    """dockerd answers such a prefix "Multiple IDs found"; the job's view has only its own container."""
    a = unique("ja")
    sa = jobs.open(a)
    assert create(sa, f"{a}-c").status == 201
    mine = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{a}-c/json").body)["Id"]
    extra = []
    try:
        while sum(i.startswith(mine[0]) for i in container_ids(dockerd_sock)) < 2:
            assert len(extra) < 80, "no other container ID starts with the job's first digit"
            r = post(dockerd_sock, f"{API}/containers/create?name={unique('runner')}",
                     {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
            extra.append(json.loads(r.body)["Id"])
        straight = http(dockerd_sock, "GET", f"{API}/containers/{mine[0]}/json")
        assert straight.status == 500 and b"Multiple IDs found" in straight.body, straight
        r = http(sa, "GET", f"{API}/containers/{mine[0]}/json")
        assert r.status == 200 and json.loads(r.body)["Id"] == mine, r
        # Judged by the policy first (the container an update acts on), then forwarded by its full ID.
        r = http(sa, "POST", f"{API}/containers/{mine[0]}/update", b"{}", {"Content-Type": "application/json"})
        assert r.status == 200, r
    finally:
        for i in extra:
            http(dockerd_sock, "DELETE", f"{API}/containers/{i}?force=1")


EXEC_ROUTES = [
    ("GET", "/exec/{}/json", None),
    ("POST", "/exec/{}/start", {"Detach": True}),
    ("POST", "/exec/{}/resize?h=10&w=10", {}),
]


@pytest.mark.parametrize("method,target,body", EXEC_ROUTES, ids=[f"{m} {t.split('?')[0]}" for m, t, _ in EXEC_ROUTES])
def test_another_jobs_exec_is_answered_as_nothing(jobs, method, target, body):
    b = unique("jb")
    sb = jobs.open(b)
    assert create(sb, f"{b}-c").status == 201
    assert http(sb, "POST", f"{API}/containers/{b}-c/start", b"").status == 204
    made = post(sb, f"{API}/containers/{b}-c/exec", {"Cmd": ["sleep", "1"]})
    assert made.status == 201, made
    theirs = json.loads(made.body)["Id"]
    sa = jobs.open(unique("ja"))
    expected, differ = differing(lambda ref: answer(sa, method, target, body, ref), {"another job's exec": theirs}, "f" * 64)
    assert expected[0] in (403, 404), expected
    assert not differ, f"answered as nothing: {expected}; but {differ}"


def network_ids(sock: str) -> list[str]:
    return [n["Id"] for n in json.loads(http(sock, "GET", f"{API}/networks").body)]


def runner_network(i: int) -> dict:
    """An internal network with a subnet of its own: the daemon's default
    address pools hold about 30 networks."""
    return {"Name": unique("runner-net"), "Internal": True,
            "IPAM": {"Config": [{"Subnet": f"10.231.{i}.0/24"}]}}


@pytest.fixture(scope="module")
def other_networks(dockerd_sock):
    """The runner's networks, straight on the daemon: 17, so two of them
    share a first ID digit."""
    ids = []
    for i in range(17):
        r = post(dockerd_sock, f"{API}/networks/create", runner_network(i))
        assert r.status == 201, r
        ids.append(json.loads(r.body)["Id"])
    yield ids
    for i in ids:
        http(dockerd_sock, "DELETE", f"{API}/networks/{i}")


NETWORK_ROUTES = [
    ("GET", "/networks/{}", None),
    ("POST", "/networks/{}/connect", {"Container": "x"}),
    ("POST", "/networks/{}/disconnect", {"Container": "x"}),
    ("DELETE", "/networks/{}", None),
    ("POST", "/containers/create", "network-mode"),
]


@pytest.mark.parametrize("method,target,body", NETWORK_ROUTES, ids=[f"{m} {t}" + (f" {b}" if isinstance(b, str) else "") for m, t, b in NETWORK_ROUTES])
def test_another_jobs_network_is_answered_as_nothing(jobs, dockerd_sock, other_networks, method, target, body):
    b = unique("jb")
    sb = jobs.open(b)
    made = post(sb, f"{API}/networks/create", {"Name": f"{b}-net"})
    assert made.status == 201, made
    theirs = json.loads(made.body)["Id"]
    sa = jobs.open(unique("ja"))
    everyone = network_ids(dockerd_sock)
    nothing = "nosuch-" + unique("net")
    if body == "network-mode":
        def ask(ref):
            return answer(sa, "POST", target, {"Image": IMG, "HostConfig": {"NetworkMode": ref}}, ref)
    else:
        def ask(ref):
            return answer(sa, method, target, body, ref)
    refs = {"full ID": theirs, "name": f"{b}-net", "ID prefix": theirs[:12],
            "a prefix of nothing": next(x + y for x in HEX for y in HEX if not any(i.startswith(x + y) for i in everyone))}
    refs["a prefix two share"] = next(d for d, n in Counter(i[0] for i in everyone).items() if n >= 2)
    expected, differ = differing(ask, refs, nothing)
    assert not differ, f"answered as nothing: {expected}; but {differ}"


def test_a_prefix_of_the_jobs_own_network_that_another_shares_names_the_jobs(jobs, dockerd_sock, other_networks):
    a = unique("ja")
    sa = jobs.open(a)
    made = post(sa, f"{API}/networks/create", {"Name": f"{a}-net"})
    assert made.status == 201, made
    mine = json.loads(made.body)["Id"]
    extra = []
    try:
        while sum(i.startswith(mine[0]) for i in network_ids(dockerd_sock)) < 2:
            assert len(extra) < 80, "no other network ID starts with the job's first digit"
            r = post(dockerd_sock, f"{API}/networks/create", runner_network(100 + len(extra)))
            assert r.status == 201, r
            extra.append(json.loads(r.body)["Id"])
        straight = http(dockerd_sock, "GET", f"{API}/networks/{mine[0]}")
        assert straight.status == 400 and b"is ambiguous" in straight.body, straight
        r = http(sa, "GET", f"{API}/networks/{mine[0]}")
        assert r.status == 200 and json.loads(r.body)["Id"] == mine, r
    finally:
        for i in extra:
            http(dockerd_sock, "DELETE", f"{API}/networks/{i}")
        http(sa, "DELETE", f"{API}/networks/{mine}")


@pytest.mark.parametrize("route", ["create", "rename"])
def test_a_name_in_use_by_another_does_not_tell_its_id(jobs, dockerd_sock, others, route):
    """dockerd's 409 for a container name in use names the container by its
    full ID; for another job's or the runner's container the job socket
    leaves the ID out (found 2026-12-02, session 23). For the job's own the
    daemon's answer is passed on as it is."""
    names, ids = others
    a = unique("ja")
    sa = jobs.open(a)
    assert create(sa, f"{a}-c").status == 201
    mine = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{a}-c/json").body)["Id"]
    if route == "rename":
        assert create(sa, f"{a}-r").status == 201

    def ask(name):
        if route == "create":
            return post(sa, f"{API}/containers/create?name={name}", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        return http(sa, "POST", f"{API}/containers/{a}-r/rename?name={name}", b"")

    straight = http(dockerd_sock, "POST", f"{API}/containers/{names[1]}/rename?name={names[2]}", b"")
    assert straight.status == 409 and ids[2].encode() in straight.body, straight
    theirs = ask(names[1])
    assert theirs.status == 409, theirs
    message = json.loads(theirs.body)["message"]
    assert ids[1] not in message and ids[1][:12] not in message, message
    assert f'The container name "/{names[1]}" is already in use by a container that is not this job\'s' in message, message
    own = ask(f"{a}-c")
    assert own.status == 409 and mine in json.loads(own.body)["message"], own


def test_an_error_about_the_jobs_own_container_names_it_as_the_daemon_does(jobs, dockerd_sock):
    """A job socket forwards a route naming the job's container by the full
    ID it checked; dockerd's answer then named that ID where, asked
    directly, it names what the client wrote (`docker cp web:/x .`: `Could
    not find the file /x in container <full ID>`; found 2026-12-02, session
    23). The job socket's answer is now the daemon's, word for word, beside
    the same request straight to the daemon."""
    a = unique("ja")
    sa = jobs.open(a)
    assert create(sa, f"{a}-c").status == 201
    cases = [("GET", f"/containers/{a}-c/archive?path=%2Fnonexistent"), ("POST", f"/containers/{a}-c/kill")]
    for method, target in cases:
        through = http(sa, method, API + target, b"" if method == "POST" else None)
        straight = http(dockerd_sock, method, API + target, b"" if method == "POST" else None)
        assert (through.status, json.loads(through.body)) == (straight.status, json.loads(straight.body)), (target, through, straight)
        assert f"{a}-c" in json.loads(through.body)["message"], through
