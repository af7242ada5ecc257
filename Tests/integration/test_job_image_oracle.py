"""What a job socket tells about images that are not in the job's view:
byte for byte what it tells about images that do not exist (found by a
red-team helper on 2026-12-02, session 20, against dockerd 20.10.24).

- A container list's `ancestor` filter made the daemon look the image up
  among every image: a job's containers of the shared base were listed for
  another job's tag on it, and for an ID prefix another job's image shared
  with nothing of the job's the list was empty.
- An image ID prefix was searched by the daemon among every image: a prefix
  of the job's own image that another's image shared was "No such image".
- A save by the bare name of a repository only other jobs have names in
  was a 403 ("some are not job X's"), where one nothing has is a 404.

Each answer is compared with the answer for what does not exist; straight
to the daemon, the same references are told apart."""
import json
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique
from test_job_images import image_info, image_jobs, message, put_back, ways_to_name  # noqa: F401 - fixture by name
from test_jobs import IMG, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def listing(sock: str, filters: dict) -> list[str]:
    r = http(sock, "GET", f"{API}/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps(filters)))
    assert r.status == 200, (filters, r.status, r.body[:300])
    return [c["Id"] for c in json.loads(r.body)]


def run(sock: str, name: str, image: str) -> str:
    r = post(sock, f"{API}/containers/create?name={name}", {"Image": image, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    return json.loads(r.body)["Id"]


def test_a_container_list_ancestor_naming_another_jobs_image_or_claim_keeps_nothing(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    mine_b = run(socks[b], f"{b}-c", IMG)
    mine_a = run(socks[a], f"{a}-c", built)
    try:
        # Straight to the daemon, A's claim on the shared base names the base: B's container is its child.
        assert mine_b in listing(dockerd_sock, {"ancestor": [claimed]})
        for victim in (built, claimed):
            for name, twin, part in ways_to_name(dockerd_sock, victim):
                if victim == claimed and part != "-gone-":
                    continue  # the base image by ID is shared, and readable by B
                assert listing(dockerd_sock, {"ancestor": [twin]}) == [], twin
                assert listing(socks[b], {"ancestor": [name]}) == [], name
                # Beside a name B may use, the other value still keeps nothing of its own.
                assert listing(socks[b], {"ancestor": [name, IMG]}) == [mine_b], name
        # The job's own and the shared names still filter; a name the daemon cannot read keeps nothing, as there.
        assert listing(socks[b], {"ancestor": [IMG]}) == [mine_b]
        assert listing(dockerd_sock, {"ancestor": ["Not-A-Name"]}) == [] and listing(socks[b], {"ancestor": ["Not-A-Name"]}) == []
        for name, _, _ in ways_to_name(dockerd_sock, built):
            assert listing(socks[a], {"ancestor": [name]}) == [mine_a], name
    finally:
        for c in (mine_a, mine_b):
            http(dockerd_sock, "DELETE", f"{API}/containers/{c}?force=1")


def import_image(sock: str, repo: str | None = None) -> str:
    query = "fromSrc=-" + (f"&repo={repo}&tag=1" if repo else "")
    r = http(sock, "POST", f"{API}/images/create?{query}", tar_of({unique("f"): unique("x").encode()}),
             {"Content-Type": "application/x-tar"}, timeout=60)
    assert r.status == 200 and b"error" not in r.body, r.body
    return json.loads(r.body.strip().split(b"\n")[-1])["status"]


def all_image_ids(sock: str) -> list[str]:
    return [i["Id"] for i in json.loads(http(sock, "GET", f"{API}/images/json?all=1").body)]


def test_an_image_id_prefix_is_searched_among_the_jobs_view(jobs, dockerd_sock):  # noqa: F811
    """A prefix one of the job's images has, and an unnamed image (no job's,
    straight on the daemon) too: the daemon finds it ambiguous ("No such
    image"), the job socket names the job's image; to another job it is a
    prefix of nothing."""
    a, c = unique("pa"), unique("pc")
    sa, sc = jobs.open(a), jobs.open(c)
    others = [import_image(dockerd_sock) for _ in range(12)]
    mine: list[str] = []
    try:
        found = None
        while found is None:
            assert len(mine) < 40, "no image of the job's shares a first digit with the others and none of its view"
            mine.append(import_image(sa, f"{a}-img{len(mine)}"))
            view = all_image_ids(sa)
            for own in mine:
                digit = own[len("sha256:")]
                sharing = [i for i in view if i[len("sha256:")] == digit]
                if sharing == [own] and any(o[len("sha256:")] == digit for o in others):
                    found = own, digit
                    break
        own, digit = found
        straight = http(dockerd_sock, "GET", f"{API}/images/{digit}/json")
        assert straight.status == 404, straight  # ambiguous among every image on the daemon
        for ref in (digit, "sha256:" + digit):
            r = http(sa, "GET", f"{API}/images/{ref}/json")
            assert r.status == 200 and json.loads(r.body)["Id"] == own, (ref, r.status, r.body[:300])
        created = run(sa, f"{a}-c", digit)
        assert json.loads(http(dockerd_sock, "GET", f"{API}/containers/{created}/json").body)["Image"] == own
        # To another job the prefix names nothing of its view: the daemon's answer for a prefix of nothing.
        nothing = next(x + y for x in "0123456789abcdef" for y in "0123456789abcdef"
                       if not any(i[len("sha256:"):].startswith(x + y) for i in all_image_ids(dockerd_sock)))
        assert not any(i[len("sha256:")] == digit for i in all_image_ids(sc))  # C's view is A's without A's own
        r, d = http(sc, "GET", f"{API}/images/{digit}/json"), http(dockerd_sock, "GET", f"{API}/images/{nothing}/json")
        assert d.status == 404 and (r.status, message(r)) == (d.status, message(d).replace(nothing, digit)), (r.body, d.body)
    finally:
        for i in others + mine:
            http(dockerd_sock, "DELETE", f"{API}/images/{i}?force=1")


def test_a_save_by_the_bare_name_of_another_jobs_repository_is_answered_as_missing(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    for victim in (built, claimed):
        repository = victim.split(":")[0]
        twin = repository.replace("-", "-gone-", 1)
        for template in ("/images/{}/get", "/images/get?names={}"):
            r = http(socks[b], "GET", API + template.format(repository))
            d = http(dockerd_sock, "GET", API + template.format(twin))
            assert d.status == 404, (twin, d.status, d.body)
            assert (r.status, message(r)) == (d.status, put_back(message(d), repository, twin, "-gone-")), (repository, r.body[:300])
    # Its owner still saves it by the bare name.
    r = http(socks[a], "GET", f"{API}/images/{built.split(':')[0]}/get")
    assert r.status == 200 and len(r.body) > 1024, r.body[:300]
