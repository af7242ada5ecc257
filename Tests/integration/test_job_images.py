"""Images on job sockets (issue 5): an image a job builds, commits or imports
is its own (the owner label in the image config); a tag it puts on a shared
image is its claim (kept by sockwarden); base images are shared. Another
job's images and tags are answered as missing, names of other jobs and of
shared images cannot be taken, and closing a job removes its images and tags.
Every check is made on the daemon's state, straight from the daemon socket.

No test pulls: a pull the proxy forwards would leave loopback, so only pulls
the proxy refuses are sent."""
import json
import os
import subprocess
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique, wait_for
from test_jobs import IMG, Jobs, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
LABEL = "io.sockwarden.job"
BASE = IMG + ":latest"


def build(sock: str, tag: str, dockerfile: str = f"FROM {IMG}\nLABEL built=yes\n", extra: str = ""):
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    return http(sock, "POST", f"{API}/build?t={urllib.parse.quote(tag)}&networkmode=none{extra}", ctx,
                {"Content-Type": "application/x-tar"}, timeout=120)


def image_info(daemon: str, name: str) -> dict | None:
    r = http(daemon, "GET", f"{API}/images/{name}/json")
    return json.loads(r.body) if r.status == 200 else None


def message(r) -> str:
    return json.loads(r.body)["message"]


@pytest.fixture
def image_jobs(jobs, dockerd_sock):  # noqa: F811 - pytest fixture by name
    """Job A with a built image and a tag on the shared base image; job B."""
    a, b = unique("ia"), unique("ib")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    built, claimed = f"{a}-app:1", f"{a}-box:1"
    r = build(socks[a], built)
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    r = http(socks[a], "POST", f"{API}/images/{IMG}/tag?repo={a}-box&tag=1", b"")
    assert r.status == 201, r.body
    yield a, b, socks, built, claimed
    for name in (built, claimed, f"{a}-imp:1", f"{a}-commit:1"):
        http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")


def test_an_image_built_through_a_job_socket_carries_its_label_and_a_tag_is_claimed(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    assert image_info(dockerd_sock, built)["Config"]["Labels"][LABEL] == a
    # The tag on the shared image carries no label: the claim is the proxy's.
    base = image_info(dockerd_sock, IMG)
    assert image_info(dockerd_sock, claimed)["Id"] == base["Id"]
    assert LABEL not in (base["Config"]["Labels"] or {})


def ways_to_name(dockerd_sock: str, name: str) -> list[tuple[str, str, str]]:
    """(how the client names it, a missing twin of the same shape, the twin's part to put the name back)."""
    image_id = image_info(dockerd_sock, name)["Id"]
    hex_id = image_id.split(":")[1]
    twin = name.replace("-", "-gone-", 1)
    return [(name, twin, "-gone-"), (f"docker.io/library/{name}", f"docker.io/library/{twin}", "-gone-"),
            (image_id, "sha256:" + "f" * 64, "f" * 64), (hex_id, "f" * 64, "f" * 64), (hex_id[:12], "f" * 12, "f" * 12)]


def put_back(text: str, name: str, twin: str, part: str) -> str:
    if part == "-gone-":
        return text.replace("-gone-", "-")
    return text.replace(part, name.split(":")[-1] if len(part) == 64 else name)


READ_ROUTES = [("GET", "/images/{}/json"), ("GET", "/images/{}/history"), ("GET", "/images/{}/get"),
               ("GET", "/images/get?names={}"), ("DELETE", "/images/{}"), ("DELETE", "/images/{}?force=1"),
               ("POST", "/images/{}/tag?repo=ib-stolen&tag=1")]


@pytest.mark.parametrize("method,template", READ_ROUTES, ids=[f"{m} {t}" for m, t in READ_ROUTES])
def test_another_jobs_image_is_answered_as_missing(image_jobs, dockerd_sock, method, template):
    """Differential: B's answer about A's image is the daemon's answer about a
    missing image named the same way (a twin with one part changed)."""
    a, b, socks, built, claimed = image_jobs
    before = {n: image_info(dockerd_sock, n)["Id"] for n in (built, claimed)}
    for victim in (built, claimed):
        for name, twin, part in ways_to_name(dockerd_sock, victim):
            if victim == claimed and part != "-gone-":
                continue  # the base image by ID is shared, and readable by B
            quote = lambda n: urllib.parse.quote(n, safe=":/")  # noqa: E731
            r = http(socks[b], method, f"{API}{template.format(quote(name))}", b"" if method == "POST" else None)
            d = http(dockerd_sock, method, f"{API}{template.format(quote(twin))}", b"" if method == "POST" else None)
            assert d.status in (404, 500), (twin, d.status, d.body)  # 500: a save by ID names a file in the data root
            assert r.status == d.status, (name, r.status, d.status, r.body)
            assert message(r) == put_back(message(d), name, twin, part), (name, r.body, d.body)
    assert {n: image_info(dockerd_sock, n)["Id"] for n in (built, claimed)} == before
    assert image_info(dockerd_sock, "ib-stolen:1") is None


@pytest.mark.parametrize("key", ["since", "before"])
def test_image_list_filters_answer_another_jobs_image_as_missing(image_jobs, dockerd_sock, key):
    """`since`/`before` make the daemon look the image up: B's list naming A's
    image must be the daemon's answer for a missing twin (not a 200 that
    tells it exists), while A's own names and B's shared base still filter."""
    a, b, socks, built, claimed = image_jobs

    def listing(sock: str, name: str):
        return http(sock, "GET", f"{API}/images/json?filters=" + urllib.parse.quote(json.dumps({key: [name]})))

    for victim in (built, claimed):
        for name, twin, part in ways_to_name(dockerd_sock, victim):
            if victim == claimed and part != "-gone-":
                continue  # the base image by ID is shared, and readable by B
            r, d = listing(socks[b], name), listing(dockerd_sock, twin)
            assert d.status == 404, (twin, d.status, d.body)
            assert r.status == 404 and message(r) == put_back(message(d), name, twin, part), (name, r.body, d.body)
    for name, _, _ in ways_to_name(dockerd_sock, built):
        r, d = listing(socks[a], name), listing(dockerd_sock, name)
        assert r.status == 200 and d.status == 200, (name, r.body)
        assert {i["Id"] for i in json.loads(r.body)} <= {i["Id"] for i in json.loads(d.body)}
    assert listing(socks[b], IMG).status == 200


def test_another_jobs_image_cannot_be_run_pushed_or_used_as_cache(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    for name in (built, claimed):
        r = post(socks[b], f"{API}/containers/create", {"Image": name, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 404 and message(r) == f"No such image: {name}", r.body
        repo, tag = name.rsplit(":", 1)
        # The daemon's answer for a missing image is a 200 progress stream carrying the error.
        r = http(socks[b], "POST", f"{API}/images/{repo}/push?tag={tag}", b"", {"X-Registry-Auth": "e30="})
        twin = repo.replace("-", "-gone-", 1)
        d = http(dockerd_sock, "POST", f"{API}/images/{twin}/push?tag={tag}", b"", {"X-Registry-Auth": "e30="})
        assert (r.status, r.body) == (d.status, d.body.replace(b"-gone-", b"-")), (r.body, d.body)
    r = build(socks[b], "ib-cached:1", extra="&cachefrom=" + urllib.parse.quote(json.dumps([built])))
    assert r.status == 403, r.body
    # B's own runs of the shared base image are unaffected.
    r = post(socks[b], f"{API}/containers/create", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    http(dockerd_sock, "DELETE", f"{API}/containers/{json.loads(r.body)['Id']}?force=1")


def test_each_job_lists_its_own_and_the_shared_images(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs

    def tags(sock):
        listed = json.loads(http(sock, "GET", f"{API}/images/json").body)
        return {t for image in listed for t in (image.get("RepoTags") or [])}

    assert {built, claimed, BASE} <= tags(socks[a])
    seen_by_b = tags(socks[b])
    assert BASE in seen_by_b and built not in seen_by_b and claimed not in seen_by_b, seen_by_b
    df = json.loads(http(socks[b], "GET", f"{API}/system/df").body)
    df_tags = {t for image in df["Images"] for t in (image.get("RepoTags") or [])}
    assert BASE in df_tags and built not in df_tags and claimed not in df_tags, df_tags
    # The daemon itself lists all of them.
    assert {built, claimed, BASE} <= tags(dockerd_sock)


def test_system_df_counts_only_the_jobs_own_containers_of_a_shared_image(jobs, dockerd_sock):  # noqa: F811
    """`Images[].Containers` counts every job's containers of the image: a
    job's df must count only its own (none at first, then its one)."""
    a, b = jobs.open(unique("da")), jobs.open(unique("db"))

    def df_count(sock: str) -> int:
        df = json.loads(http(sock, "GET", f"{API}/system/df").body)
        base = [image for image in df["Images"] if BASE in (image.get("RepoTags") or [])]
        assert len(base) == 1, df["Images"]
        return base[0]["Containers"]

    for _ in range(2):
        r = post(b, f"{API}/containers/create", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 201, r.body
    assert df_count(a) == 0
    r = post(a, f"{API}/containers/create", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    assert df_count(a) == 1 and df_count(b) == 2
    assert df_count(dockerd_sock) >= 3


def test_system_df_layer_sizes_do_not_grow_with_other_jobs_builds(jobs, dockerd_sock):  # noqa: F811
    """The daemon's `LayersSize` is the size of every image layer on it, and
    an image's `SharedSize` the size of its layers any other image shares (a
    base image's grows when anyone builds on it): a job polling `system df`
    saw other jobs build. On a job socket `LayersSize` is the sum of the
    sizes of the images the job sees, and `SharedSize` -1 (not computed)."""
    a, b = jobs.open(unique("da")), jobs.open(unique("db"))

    def df(sock: str) -> dict:
        return json.loads(http(sock, "GET", f"{API}/system/df").body)

    def base(answer: dict) -> dict:
        found = [image for image in answer["Images"] if BASE in (image.get("RepoTags") or [])]
        assert len(found) == 1, answer["Images"]
        return found[0]

    before = df(a)
    assert before["LayersSize"] == sum(image["Size"] for image in before["Images"]), before
    daemon_before = df(dockerd_sock)["LayersSize"]
    name = f"{unique('db-img')}:1"
    built = build(b, name, f"FROM {IMG}\nRUN head -c 300000 /dev/zero > /blob\n")
    assert built.status == 200 and b'"errorDetail"' not in built.body, built.body[-300:]
    daemon = df(dockerd_sock)
    assert daemon["LayersSize"] >= daemon_before + 300000, (daemon_before, daemon["LayersSize"])
    assert base(daemon)["SharedSize"] > 0, base(daemon)
    after = df(a)
    assert after["LayersSize"] == before["LayersSize"], (before["LayersSize"], after["LayersSize"])
    assert base(after)["SharedSize"] == -1, base(after)
    # Job B sees its image, and counts it.
    mine = df(b)
    assert mine["LayersSize"] == sum(image["Size"] for image in mine["Images"]) > after["LayersSize"], mine["LayersSize"]


def test_names_of_other_jobs_and_of_shared_images_cannot_be_taken(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    before = {n: image_info(dockerd_sock, n)["Id"] for n in (built, claimed, BASE)}
    sock = socks[b]
    assert build(sock, f"{b}-mine:1").status == 200
    attempts = []
    for name in (built, claimed, BASE, f"docker.io/{BASE}"):
        repo, tag = name.rsplit(":", 1)
        attempts += [
            ("tag", http(sock, "POST", f"{API}/images/{b}-mine:1/tag?repo={repo}&tag={tag}", b"")),
            ("build", build(sock, name)),
            ("import", http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag={tag}",
                            tar_of({"f": b"x"}), {"Content-Type": "application/x-tar"})),
        ]
        if "busybox" not in name:
            # A pull of a shared name is allowed (it refreshes a base image) and would leave loopback.
            attempts.append(("pull", http(sock, "POST", f"{API}/images/create?fromImage={repo}&tag={tag}", b"")))
    for what, r in attempts:
        assert r.status == 409 and b"is in use and is not job" in r.body, (what, r.status, r.body[:300])
    assert {n: image_info(dockerd_sock, n)["Id"] for n in (built, claimed, BASE)} == before


def test_names_the_daemon_reads_differently_are_refused(image_jobs):
    a, b, socks, built, claimed = image_jobs
    for repo in ("UPPER", "a//b", "-x"):
        r = http(socks[b], "POST", f"{API}/images/{IMG}/tag?repo={urllib.parse.quote(repo)}&tag=1", b"")
        assert r.status == 400, (repo, r.body)
    # Pulling or pushing every tag of a repository is not scoped to a job.
    assert http(socks[b], "POST", f"{API}/images/create?fromImage=swtest/busybox", b"").status == 403
    assert http(socks[b], "POST", f"{API}/images/{b}-x/push", b"").status == 403
    # image load: the names inside the archive are not checked.
    assert http(socks[b], "POST", f"{API}/images/load", b"", {"Content-Type": "application/x-tar"}).status == 403


def test_shared_images_are_usable_but_not_removable(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    base = image_info(dockerd_sock, IMG)["Id"]
    for name in (IMG, base, base.split(":")[1][:12]):
        r = http(socks[b], "DELETE", f"{API}/images/{name}?force=1")
        assert r.status == 403 and b"shared by every job" in r.body, (name, r.body)
    assert http(socks[b], "POST", f"{API}/images/prune", b"").status == 200
    assert image_info(dockerd_sock, IMG)["Id"] == base
    assert image_info(dockerd_sock, built) is not None  # B's prune never reaches A's images


def test_a_job_removes_its_own_images_and_tags(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    assert http(socks[a], "DELETE", f"{API}/images/{claimed}").status == 200
    assert image_info(dockerd_sock, claimed) is None and image_info(dockerd_sock, IMG) is not None
    assert http(socks[a], "DELETE", f"{API}/images/{built}").status == 200
    assert image_info(dockerd_sock, built) is None


def test_commit_and_import_carry_the_owner_label(image_jobs, dockerd_sock):
    a, b, socks, built, claimed = image_jobs
    sock = socks[a]
    r = post(sock, f"{API}/containers/create?name={a}-c", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    assert http(sock, "POST", f"{API}/commit?container={a}-c&repo={a}-commit&tag=1", b"").status == 201
    assert image_info(dockerd_sock, f"{a}-commit:1")["Config"]["Labels"][LABEL] == a
    r = http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={a}-imp&tag=1", tar_of({"f": b"x"}),
             {"Content-Type": "application/x-tar"})
    assert r.status == 200 and b"error" not in r.body, r.body
    assert image_info(dockerd_sock, f"{a}-imp:1")["Config"]["Labels"][LABEL] == a
    # The client cannot set the label, or smuggle it in through changes.
    forged = [
        post(sock, f"{API}/commit?container={a}-c&repo={a}-forged", {"Labels": {LABEL: b}}),
        http(sock, "POST", f"{API}/commit?container={a}-c&repo={a}-forged&changes=" + urllib.parse.quote(f"LABEL {LABEL}={b}"), b""),
        http(sock, "POST", f"{API}/commit?container={a}-c&repo={a}-forged&changes=" + urllib.parse.quote("LABEL x=\\"), b""),
        http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={a}-forged&changes=" + urllib.parse.quote(f"LABEL {LABEL}={b}"),
             tar_of({"f": b"x"}), {"Content-Type": "application/x-tar"}),
        build(sock, f"{a}-forged:1", extra="&labels=" + urllib.parse.quote(json.dumps({LABEL: b}))),
    ]
    for r in forged:
        assert r.status == 403, r.body
    assert image_info(dockerd_sock, f"{a}-forged") is None and image_info(dockerd_sock, f"{a}-forged:1") is None
    # A Dockerfile LABEL of the owner label is refused (a RUN after it would
    # run in a container labelled for the other job: test_job_build_labels.py).
    r = build(sock, f"{a}-df:1", dockerfile=f"FROM {IMG}\nLABEL {LABEL}={b}\n")
    assert r.status == 403 and b"a label only sockwarden sets" in r.body, r.body
    assert image_info(dockerd_sock, f"{a}-df:1") is None
    http(dockerd_sock, "DELETE", f"{API}/containers/{a}-c?force=1")


def test_close_removes_the_jobs_images_and_tags_but_not_shared_ones(image_jobs, jobs, dockerd_sock):  # noqa: F811
    a, b, socks, built, claimed = image_jobs
    out = jobs.job("close", "--id", a)
    assert "removed image" in out.stdout, out.stdout
    assert image_info(dockerd_sock, built) is None and image_info(dockerd_sock, claimed) is None
    assert image_info(dockerd_sock, IMG) is not None
    wait_for(lambda: any(r["target"].startswith("/images/") for r in jobs.audit() if r.get("rule") == "job-reap"), 10,
             what="a job-reap record of an image")


def test_reap_images_false_keeps_built_images_and_removes_tags(jobs, dockerd_sock, short_tmp):  # noqa: F811
    policy = os.path.join(short_tmp, f"{unique('keep')}.toml")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml")) as f:
        text = f.read()
    with open(policy, "w") as f:
        f.write(text + "\n[jobs]\nreap-images = false\n" if "[jobs]" not in text else text.replace("[jobs]", "[jobs]\nreap-images = false"))
    job = unique("ik")
    sock = jobs.open(job, "--policy", policy)
    assert build(sock, f"{job}-kept:1").status == 200
    assert http(sock, "POST", f"{API}/images/{IMG}/tag?repo={job}-tag&tag=1", b"").status == 201
    jobs.job("close", "--id", job)
    kept = image_info(dockerd_sock, f"{job}-kept:1")
    assert kept is not None and kept["Config"]["Labels"][LABEL] == job
    assert image_info(dockerd_sock, f"{job}-tag:1") is None
    http(dockerd_sock, "DELETE", f"{API}/images/{job}-kept:1?force=1")


def test_claimed_tags_survive_a_restart(image_jobs, jobs, dockerd_sock):  # noqa: F811
    a, b, socks, built, claimed = image_jobs
    state = json.load(open(os.path.join(jobs.dir, "state", f"{a}.json")))
    assert state["images"] == [f"docker.io/library/{claimed}"], state
    jobs.proxy.stop()
    jobs.start()
    r = http(socks[b], "GET", f"{API}/images/{claimed}/json")
    assert r.status == 404, r.body
    assert http(socks[a], "GET", f"{API}/images/{claimed}/json").status == 200


def test_the_docker_cli_builds_tags_lists_and_removes_in_a_job(jobs, dockerd_sock, docker_config, short_tmp):  # noqa: F811
    job = unique("icli")
    sock = jobs.open(job)
    env = dict(os.environ, DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=docker_config, DOCKER_BUILDKIT="0")
    ctx = os.path.join(short_tmp, unique("ctx"))
    os.makedirs(ctx)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(f"FROM {IMG}\nRUN echo built > /built\n")

    def docker(*args):
        out = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, (args, out.stderr)
        return out.stdout

    docker("build", "--network", "none", "-t", f"{job}-app:1", ctx)
    docker("tag", f"{job}-app:1", f"{job}-app:2")
    docker("tag", IMG, f"{job}-base:1")
    listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}").split()
    assert {f"{job}-app:1", f"{job}-app:2", f"{job}-base:1", BASE} <= set(listed), listed
    assert docker("run", "--rm", "--network", "none", f"{job}-app:2", "cat", "/built").strip() == "built"
    docker("rmi", f"{job}-app:2", f"{job}-base:1")
    assert image_info(dockerd_sock, f"{job}-base:1") is None and image_info(dockerd_sock, IMG) is not None
    jobs.job("close", "--id", job)
    assert image_info(dockerd_sock, f"{job}-app:1") is None


def test_a_pull_spelt_with_fromsrc_is_judged_as_the_pull_the_daemon_makes(image_jobs, jobs, dockerd_sock, short_tmp):  # noqa: F811
    # dockerd pulls whenever fromImage is set, whatever fromSrc says: the
    # pull rules (no other job's name, one tag at a time) apply. The names
    # are on a loopback registry that is not there, so nothing leaves the
    # host; ci.toml refuses that registry (this host's own address), so the
    # pulling job's policy lists it.
    a, b, socks, built, claimed = image_jobs
    theirs = f"localhost:1/{b}-app"
    r = http(socks[b], "POST", f"{API}/images/{IMG}/tag?repo={urllib.parse.quote(theirs)}&tag=1", b"")
    assert r.status == 201, r.body
    refused = http(socks[a], "POST", f"{API}/images/create?fromSrc=-&fromImage={urllib.parse.quote(theirs)}&tag=1", b"")
    assert refused.status == 403 and "[registries]" in message(refused), refused.body
    policy = os.path.join(short_tmp, f"{unique('reg')}.toml")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml")) as f:
        text = f.read().replace('allow = ["*"] ', 'allow = ["*", "localhost:1"] ', 1)
    with open(policy, "w") as f:
        f.write(text)
    puller = jobs.open(unique("ip"), "--policy", policy)
    try:
        before = image_info(dockerd_sock, f"{theirs}:1")["Id"]
        taking = http(puller, "POST", f"{API}/images/create?fromSrc=-&fromImage={urllib.parse.quote(theirs)}&tag=1", b"")
        assert taking.status == 409 and "not job" in message(taking), taking.body
        every_tag = http(puller, "POST", f"{API}/images/create?fromSrc=-&fromImage={urllib.parse.quote(theirs)}", b"")
        assert every_tag.status == 403 and "one tag at a time" in message(every_tag), every_tag.body
        assert image_info(dockerd_sock, f"{theirs}:1")["Id"] == before
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{urllib.parse.quote(theirs, safe='')}:1")


@pytest.mark.parametrize("changes", [
    ["ENV X=sockwarden", "LABEL io.${X}.job={victim}"],
    ['LABEL "io.sockwarden.jo"b={victim}'],
], ids=["variable", "quoted-pieces"])
def test_commit_changes_cannot_put_an_image_in_another_jobs_scope(image_jobs, dockerd_sock, changes):
    # The daemon expands variables and joins quoted pieces in changes, so
    # no substring check finds the label: the owner label is the last change.
    a, b, socks, built, claimed = image_jobs
    sock = socks[a]
    r = post(sock, f"{API}/containers/create?name={a}-cc", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    try:
        query = "".join("&changes=" + urllib.parse.quote(c.replace("{victim}", b)) for c in changes)
        r = http(sock, "POST", f"{API}/commit?container={a}-cc&repo={a}-planted&tag=1{query}", b"")
        assert r.status == 201, r.body
        assert image_info(dockerd_sock, f"{a}-planted:1")["Config"]["Labels"][LABEL] == a
        listed = json.loads(http(socks[b], "GET", f"{API}/images/json").body)
        assert not any(f"{a}-planted:1" in (i.get("RepoTags") or []) for i in listed)
    finally:
        http(dockerd_sock, "DELETE", f"{API}/containers/{a}-cc?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{a}-planted:1?force=1")


def build_steps(dockerd_sock: str, final: str) -> list[str]:
    """The untagged images below `final` (its build's steps), from the daemon."""
    images = {i["Id"]: i for i in json.loads(http(dockerd_sock, "GET", f"{API}/images/json?all=1").body)}
    steps, current = [], images[image_info(dockerd_sock, final)["Id"]]["ParentId"]
    while current in images and not [t for t in (images[current]["RepoTags"] or []) if t != "<none>:<none>"]:
        steps.append(current)
        current = images[current]["ParentId"]
    return steps


def test_another_jobs_build_steps_are_answered_as_missing(image_jobs, dockerd_sock):
    # The classic builder labels only a build's last step: the steps before
    # it carry the build's layers and build arguments and no owner label.
    a, b, socks, built, claimed = image_jobs
    dockerfile = f"FROM {IMG}\nARG TOKEN\nRUN echo \"$TOKEN\" > /secret.txt\nENV Y=1\n"
    r = build(socks[b], f"{b}-secret:1", dockerfile=dockerfile,
              extra="&buildargs=" + urllib.parse.quote(json.dumps({"TOKEN": "s3cr3t"})))
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    try:
        steps = build_steps(dockerd_sock, f"{b}-secret:1")
        assert steps, "the build left no step images to test with"
        listed = {i["Id"] for i in json.loads(http(socks[a], "GET", f"{API}/images/json?all=1").body)}
        for step in steps:
            short = step.split(":")[1][:12]
            assert step not in listed
            assert http(socks[a], "GET", f"{API}/images/{short}/json").status == 404
            assert http(socks[a], "GET", f"{API}/images/{short}/history").status == 404
            assert http(socks[a], "GET", f"{API}/images/{short}/get").status == 404
            r = post(socks[a], f"{API}/containers/create", {"Image": short, "Cmd": ["cat", "/secret.txt"],
                                                           "HostConfig": {"NetworkMode": "none"}})
            assert r.status == 404, r.body
        # The job's own final image stays its own.
        assert http(socks[b], "GET", f"{API}/images/{b}-secret:1/json").status == 200
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{b}-secret:1?force=1")


def test_a_save_by_bare_name_that_takes_another_jobs_tags_is_refused(image_jobs, dockerd_sock):
    # dockerd saves every tag of a repository named without a tag.
    a, b, socks, built, claimed = image_jobs
    shared_repo = f"{a}-app"  # job A's repository: A built {a}-app:1
    r = build(socks[b], f"{shared_repo}:{b}-secret")
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    try:
        for target in (f"{API}/images/{shared_repo}/get", f"{API}/images/get?names={shared_repo}",
                       f"{API}/images/get?names={built}&names={shared_repo}"):
            r = http(socks[a], "GET", target)
            assert r.status == 403 and "every tag" in message(r), (target, r.status, r.body[:300])
        # By its own tag, or by name once every tag is its own, it saves.
        r = http(socks[a], "GET", f"{API}/images/{built}/get")
        assert r.status == 200 and len(r.body) > 1024
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{shared_repo}:{b}-secret?force=1")
    r = http(socks[a], "GET", f"{API}/images/{shared_repo}/get")
    assert r.status == 200 and len(r.body) > 1024, r.body[:300]


def test_a_job_builds_on_its_own_cache_and_never_on_another_jobs(image_jobs, dockerd_sock):
    # The classic builder takes any image whose parent and config match a
    # step as that step's result: job A's step would become job B's.
    a, b, socks, built, claimed = image_jobs
    dockerfile = f"FROM {IMG}\nRUN echo {a}-was-here > /planted\n"
    first = build(socks[a], f"{a}-plant:1", dockerfile=dockerfile)
    assert first.status == 200 and b"Successfully built" in first.body, first.body[-500:]
    try:
        again = build(socks[a], f"{a}-plant:2", dockerfile=dockerfile)
        assert b"Using cache" in again.body, again.body[-800:]
        theirs = build(socks[b], f"{b}-victim:1", dockerfile=dockerfile)
        assert theirs.status == 200 and b"Successfully built" in theirs.body, theirs.body[-500:]
        assert b"Using cache" not in theirs.body, theirs.body[-800:]
        assert image_info(dockerd_sock, f"{b}-victim:1")["Parent"] != image_info(dockerd_sock, f"{a}-plant:1")["Parent"]
    finally:
        for name in (f"{a}-plant:1", f"{a}-plant:2", f"{b}-victim:1"):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")


def test_another_jobs_from_scratch_build_steps_are_answered_as_missing(image_jobs, dockerd_sock):
    # A step after FROM scratch has no parent: unnamed and unlabelled is enough.
    a, b, socks, built, claimed = image_jobs
    ctx = tar_of({"Dockerfile": b"FROM scratch\nCOPY secret.txt /secret.txt\nCMD [\"x\"]\n", "secret.txt": b"TOP-SECRET"})
    r = http(socks[b], "POST", f"{API}/build?t={b}-scratch:1&networkmode=none", ctx, {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    try:
        steps = build_steps(dockerd_sock, f"{b}-scratch:1")
        step = steps[-1]  # the COPY after FROM scratch: no parent
        assert image_info(dockerd_sock, step)["Parent"] == "", steps
        short = step.split(":")[1][:12]
        assert step not in {i["Id"] for i in json.loads(http(socks[a], "GET", f"{API}/images/json?all=1").body)}
        assert http(socks[a], "GET", f"{API}/images/{short}/get").status == 404
        assert http(socks[a], "GET", f"{API}/images/{short}/json").status == 404
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{b}-scratch:1?force=1")


def test_a_save_checks_every_name_even_after_one_it_does_not_find(image_jobs, dockerd_sock):
    # `arepo` has no `latest` tag, so looking it up finds nothing; the daemon
    # still saves its tags, and then the next name, another job's image.
    a, b, socks, built, claimed = image_jobs
    assert http(socks[a], "POST", f"{API}/images/{built}/tag?repo={a}-repo&tag=v1", b"").status == 201
    assert build(socks[b], f"{b}-secret:1").status == 200
    try:
        r = http(socks[a], "GET", f"{API}/images/get?names={a}-repo&names={b}-secret:1")
        assert r.status == 404, (r.status, r.body[:300])
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{b}-secret:1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{a}-repo:v1")


def test_an_image_too_large_to_look_up_is_refused_not_taken_for_absent(image_jobs, dockerd_sock):
    # An inspect answer beyond what sockwarden reads (4 MiB) must not count
    # as "no such image": a tag would then skip every check.
    a, b, socks, built, claimed = image_jobs
    # dockerd 20.10 keeps a LABEL's text twice (`Config` and
    # `ContainerConfig`): 2.3 MB of labels make a 4.6 MB answer.
    # Many short values: the builder's word processing is quadratic
    # in a value's length (45 values of 50 KB took 90-120 s, these 10-20 s).
    labels = " \\\n".join(f"big{i}=" + "x" * 1000 for i in range(2300))
    r = build(socks[a], f"{a}-big:1", dockerfile=f"FROM {IMG}\nLABEL {labels}\n")
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    shared = f"{a}-shared"
    assert http(dockerd_sock, "POST", f"{API}/images/{IMG}/tag?repo={shared}&tag=1", b"").status == 201
    try:
        assert len(http(dockerd_sock, "GET", f"{API}/images/{a}-big:1/json").body) > 4 << 20
        before = image_info(dockerd_sock, f"{shared}:1")["Id"]
        r = http(socks[a], "POST", f"{API}/images/{a}-big:1/tag?repo={shared}&tag=1", b"")
        assert r.status == 503 and b"cannot check" in r.body, (r.status, r.body[:300])
        assert image_info(dockerd_sock, f"{shared}:1")["Id"] == before
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{a}-big:1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{shared}:1")


def test_a_hex_name_is_refused_and_a_short_id_is_forwarded_as_the_full_id(image_jobs, dockerd_sock):
    # dockerd reads a bare hex name as an ID prefix once no image has that
    # name: the job's own tag `cafe…:latest` when checked, another job's
    # image when the daemon acts, if the tag is removed in between. A tag
    # spelt that way is refused; a short ID is forwarded as the full ID it
    # resolved to, so the daemon cannot look it up again.
    a, b, socks, built, claimed = image_jobs
    own_id = image_info(dockerd_sock, built)["Id"]
    hexname = "cafe" + own_id.split(":")[1][:4]
    assert http(socks[a], "POST", f"{API}/images/{built}/tag?repo={hexname}&tag=latest", b"").status == 201
    try:
        for method, target in (("GET", f"{API}/images/{hexname}/json"), ("GET", f"{API}/images/{hexname}/history"),
                               ("DELETE", f"{API}/images/{hexname}")):
            r = http(socks[a], method, target)
            assert r.status == 403 and "full ID" in message(r), (method, target, r.status, r.body[:300])
        r = post(socks[a], f"{API}/containers/create", {"Image": hexname, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 403 and "full ID" in message(r), r.body
        assert http(socks[a], "GET", f"{API}/images/{hexname}:latest/json").status == 200
        # To another job the name is missing, like any name it does not have.
        r = http(socks[b], "GET", f"{API}/images/{hexname}/json")
        assert r.status == 404 and message(r) == message(http(socks[b], "GET", f"{API}/images/cafe0000/json")).replace("cafe0000", hexname), r.body
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{hexname}:latest")
    short = own_id.split(":")[1][:12]
    for name in (short, "sha256:" + short):
        r = http(socks[a], "GET", f"{API}/images/{name}/json")
        assert r.status == 200 and json.loads(r.body)["Id"] == own_id, (name, r.status, r.body[:200])
        r = post(socks[a], f"{API}/containers/create", {"Image": name, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 201, r.body
        created = json.loads(r.body)["Id"]
        assert json.loads(http(dockerd_sock, "GET", f"{API}/containers/{created}/json").body)["Image"] == own_id
        http(dockerd_sock, "DELETE", f"{API}/containers/{created}?force=1")


def test_a_dockerfile_label_cannot_plant_an_image_in_another_jobs_scope(jobs, dockerd_sock):  # noqa: F811
    """Job B's build writes `LABEL io.sockwarden.job=<A>` in a stage of its
    Dockerfile (a build's labels reach only its last step, so sockwarden
    cannot override that one): the image carries A's owner label but not A's
    seal, so it is not A's: not listed, not inspectable, and not A's build
    cache (B built the step with its own /etc/hosts). The same for a job
    that is opened only later. Such a Dockerfile is now refused on every
    socket (test_job_build_labels.py); the image is planted straight on the
    daemon, as an image labelled some other way (loaded) would be."""
    a, b, later = unique("pa"), unique("pb"), unique("pl")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    step = "RUN cat /etc/hosts > /hosts.txt"
    for victim in (a, later):
        dockerfile = f"FROM {IMG} AS plant\n{step}\nLABEL {LABEL}={victim}\nFROM {IMG}\nRUN true\n"
        r = build(socks[b], f"{b}-try:1", dockerfile, extra="&extrahosts=evil.example:192.0.2.66")
        assert r.status == 403 and b"a label only sockwarden sets" in r.body, r.body
        r = build(dockerd_sock, f"{b}-plant:1", dockerfile, extra="&extrahosts=evil.example:192.0.2.66")
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
    socks[later] = jobs.open(later)
    try:
        for victim in (a, later):
            query = urllib.parse.quote(json.dumps({"label": [f"{LABEL}={victim}"]}))
            planted = [i["Id"] for i in json.loads(http(dockerd_sock, "GET", f"{API}/images/json?all=1&filters={query}").body)]
            assert planted, f"the daemon has no image labelled {victim}: the attack did not happen"
            listed = [i["Id"] for i in json.loads(http(socks[victim], "GET", f"{API}/images/json?all=1").body)]
            assert not set(planted) & set(listed), (planted, listed)
            for image_id in planted:
                assert http(socks[victim], "GET", f"{API}/images/{image_id}/json").status == 404
        r = build(socks[a], f"{a}-hosts:1", f"FROM {IMG}\n{step}\n")
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]
        assert b"Using cache" not in r.body, r.body[-800:]
        name = unique("ph")
        assert post(socks[a], f"{API}/containers/create?name={name}",
                    {"Image": f"{a}-hosts:1", "Cmd": ["cat", "/hosts.txt"], "HostConfig": {"NetworkMode": "none"}}).status == 201
        assert http(socks[a], "POST", f"{API}/containers/{name}/start", b"").status == 204
        http(socks[a], "POST", f"{API}/containers/{name}/wait", b"", timeout=30)
        logs = http(socks[a], "GET", f"{API}/containers/{name}/logs?stdout=1").body
        assert b"evil.example" not in logs, logs
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{b}-plant:1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{a}-hosts:1?force=1")
        for victim in (a, later):
            query = urllib.parse.quote(json.dumps({"label": [f"{LABEL}={victim}"]}))
            for i in json.loads(http(dockerd_sock, "GET", f"{API}/images/json?all=1&filters={query}").body):
                http(dockerd_sock, "DELETE", f"{API}/images/{i['Id']}?force=1")

@pytest.mark.parametrize("method,template", READ_ROUTES, ids=[f"{m} {t}" for m, t in READ_ROUTES])
def test_a_short_sha256_id_that_is_missing_is_answered_as_the_daemon_answers(image_jobs, dockerd_sock, method, template):
    """Differential: dockerd 20.10 searches a `sha256:` name that is not a
    full ID as an ID prefix, so a save of a missing one is a 404 "No such
    image" (not the 500 naming a data-root file that a save by full ID
    gets). A job socket answers the same for a missing short ID and for
    another job's image named by its short ID."""
    a, b, socks, built, claimed = image_jobs
    own_short = "sha256:" + image_info(dockerd_sock, built)["Id"].split(":")[1][:12]
    missing = "sha256:" + "f" * 12
    assert image_info(dockerd_sock, missing) is None
    body = b"" if method == "POST" else None
    d = http(dockerd_sock, method, f"{API}{template.format(missing)}", body)
    assert d.status == 404, (d.status, d.body)
    for sock, name in ((socks[b], missing), (socks[a], missing), (socks[b], own_short)):
        r = http(sock, method, f"{API}{template.format(name)}", body)
        assert (r.status, message(r)) == (d.status, message(d).replace(missing, name)), (name, r.status, r.body)
    assert image_info(dockerd_sock, built) is not None and image_info(dockerd_sock, "ib-stolen:1") is None


def test_a_job_lists_images_when_the_daemons_list_is_large(image_jobs, dockerd_sock):
    """A busy CI host's image list runs to hundreds of KiB; a job socket
    reads it whole to filter it to the job. Over 64 KiB it used to answer
    502 (found by a review on 2026-11-30). One image imported straight on the
    daemon with 96 KiB of labels makes the list that large (the daemon reads
    a `changes` line of at most 64 KiB)."""
    a, b, socks, built, claimed = image_jobs
    repo = unique("pad")
    changes = "&".join("changes=" + urllib.parse.quote(f"LABEL pad{i}=" + "x" * (32 << 10)) for i in range(3))
    made = http(dockerd_sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=1&{changes}",
                tar_of({"f": b"x"}), headers={"Content-Type": "application/x-tar"})
    assert made.status == 200 and b"error" not in made.body, made.body[:300]
    try:
        whole = http(dockerd_sock, "GET", f"{API}/images/json")
        assert len(whole.body) > 64 << 10, len(whole.body)
        r = http(socks[a], "GET", f"{API}/images/json")
        assert r.status == 200, r.body[:300]
        listed = {tag for image in json.loads(r.body) for tag in image.get("RepoTags") or []}
        assert built in listed, sorted(listed)
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{repo}:1")
