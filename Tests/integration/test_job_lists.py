"""Container lists on job sockets whose filters name a container. dockerd
20.10 looks a container list's `before` and `since` values up
(`idOrNameFilter`: the exact full ID, then the exact name) before it applies
the job's label filter, so a job learned that another job's container
exists (a 200 where a missing one gives a 500) and where it sits among the
job's own (`before=<theirs>`: the job's containers created before it).

Each case is differential: what job A gets for job B's container must be
what the daemon answers for a container that does not exist."""
import json
import urllib.parse

import pytest

from swhelpers import API, http, unique
from test_jobs import Jobs, create, inspect, jobs, post, two_jobs  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.proxy_only


def listed(sock: str, filters: dict):
    return http(sock, "GET", f"{API}/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps(filters)))


def names(r) -> list[str]:
    return sorted(n for c in json.loads(r.body) for n in c["Names"])


def ways_to_name(victim: dict) -> list[str]:
    return [victim["container"], "/" + victim["container"], victim["id"]]


@pytest.mark.parametrize("key", ["before", "since"])
@pytest.mark.parametrize("form", ["list", "map"])
def test_a_list_filter_naming_another_jobs_container_answers_as_missing(two_jobs, dockerd_sock, key, form):
    a, b, objects = two_jobs
    sock = objects[a]["sock"]
    # A container of A's created after B's: `before=<B's>` listed A's older one.
    later = unique("ja-later")
    assert create(sock, later).status == 201
    for name in ways_to_name(objects[b]):
        value = [name] if form == "list" else {name: True}
        missing = unique("no-such")
        expected = listed(dockerd_sock, {key: [missing] if form == "list" else {missing: True}})
        assert expected.status == 500, expected.body
        r = listed(sock, {key: value})
        assert r.status == expected.status, (name, r.status, r.body[:200])
        assert json.loads(r.body)["message"] == json.loads(expected.body)["message"].replace(missing, name), r.body


@pytest.mark.parametrize("key", ["before", "since"])
def test_a_list_filter_naming_the_jobs_own_container_works_as_on_the_daemon(two_jobs, dockerd_sock, key):
    a, b, objects = two_jobs
    sock = objects[a]["sock"]
    later = unique("ja-later")
    assert create(sock, later).status == 201
    later_id = inspect(dockerd_sock, later)["Id"]
    first = objects[a]["container"]
    for ref in ([later, "/" + later, later_id] if key == "before" else [first, "/" + first, objects[a]["id"]]):
        r = listed(sock, {key: [ref]})
        assert r.status == 200, (ref, r.body)
        assert names(r) == [f"/{first}" if key == "before" else f"/{later}"], (ref, r.body)
    # An ID prefix is not a value the daemon's list looks up: missing there and here.
    prefix = later_id[:12]
    expected = listed(dockerd_sock, {key: [prefix]})
    r = listed(sock, {key: [prefix]})
    assert (r.status, r.body) == (expected.status, expected.body), (r.body, expected.body)


def volumes(daemon: str) -> dict:
    return {v["Name"]: v.get("Labels") or {} for v in json.loads(http(daemon, "GET", f"{API}/volumes").body)["Volumes"] or []}


@pytest.mark.parametrize("query", ["", "?v=0", "?force=1&v=false"])
def test_a_removed_container_takes_its_anonymous_volumes_along(jobs, dockerd_sock, query):
    """dockerd's anonymous volumes carry no owner label: removed without
    `v=1` they stayed, out of every job's reach, and `job close` did not reap
    them (the job's data stayed on the host). A named volume of the job is
    kept, as the daemon keeps it."""
    job = unique("jv")
    sock = jobs.open(job)
    before = set(volumes(dockerd_sock))
    named = unique("jv-named")
    ctr = unique("jv-c")
    r = post(sock, f"{API}/containers/create?name={ctr}",
             {"Image": "swtest/busybox", "Cmd": ["true"], "Volumes": {"/anon": {}},
              "HostConfig": {"NetworkMode": "none", "Binds": [f"{named}:/named"],
                             "Mounts": [{"Type": "volume", "Target": "/mounted"}]}})
    assert r.status == 201, r.body
    made = set(volumes(dockerd_sock)) - before
    assert named in made and len(made) == 3, made
    assert http(sock, "DELETE", f"{API}/containers/{ctr}{query}").status == 204
    left = set(volumes(dockerd_sock)) - before
    assert left == {named}, left
    jobs.job("close", "--id", job)
    assert set(volumes(dockerd_sock)) - before == set(), volumes(dockerd_sock)


@pytest.mark.parametrize("spelling", ["VolumeOptions", "volumeoptions"])
def test_a_volume_mount_cannot_make_a_volume_of_another_job(jobs, dockerd_sock, spelling):
    """dockerd gives a volume mount's `VolumeOptions.Labels` to the volume it
    creates for a mount without a source: job A made a volume labelled as
    B's, listed and mountable by B, while A's container still mounted it."""
    a, b = unique("jm-a"), unique("jm-b")
    sock_a, sock_b = jobs.open(a), jobs.open(b)
    before = set(volumes(dockerd_sock))
    body = {"Image": "swtest/busybox", "Cmd": ["true"],
            "HostConfig": {"NetworkMode": "none",
                           "Mounts": [{"Type": "volume", "Target": "/x", spelling: {"Labels": {"io.sockwarden.job": b}}}]}}
    # Straight to the daemon the label lands on the new volume.
    direct = unique("jm-direct")
    assert post(dockerd_sock, f"{API}/containers/create?name={direct}", body).status == 201
    made = {k: v for k, v in volumes(dockerd_sock).items() if k not in before}
    assert [v.get("io.sockwarden.job") for v in made.values()] == [b], made
    assert http(dockerd_sock, "DELETE", f"{API}/containers/{direct}?v=1").status == 204
    r = post(sock_a, f"{API}/containers/create?name={unique('jm-c')}", body)
    assert r.status == 403 and b"io.sockwarden.job" in r.body, r.body
    assert set(volumes(dockerd_sock)) - before == set(), volumes(dockerd_sock)
    assert (json.loads(http(sock_b, "GET", f"{API}/volumes").body)["Volumes"] or []) == []
