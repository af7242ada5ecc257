"""The create mark (`io.sockwarden.create`) is sockwarden's on a job socket
(session 16, the `cutbuild2` task, against dockerd 20.10.24).

A job socket gives each container create, import and commit a mark, and
tells its unanswered creates by it in the job's events (`JobEvents`) and in
the close's reaps (`CreateMarks`, `JobImages.reaps`). A container create's
`Labels` setting it were refused already; a job's build could still set it,
by its `labels` query or by a Dockerfile `LABEL` (which also gives it to the
containers of the later `RUN` steps), and the image carried the job's own
value. No way was found to make that value one of another job's unanswered
marks (128 random bits, never shown to any job while they count), so this
closes a hole in an invariant, not a known escape. Now refused (403) on a
job socket; a Dockerfile `LABEL` of it on any socket, as the owner label's.

An import's or commit's `changes`, and a commit's body, naming the key are
refused too. There the job's value never reached the image: the job
socket's own `LABEL` change (owner label, seal, mark) comes last and wins,
which also covers spellings a byte search misses (quoted pieces)."""
import json
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique
from test_jobs import IMG, create, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only

OWNER = "io.sockwarden.job"
MARK = "io.sockwarden.create"


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def images_labelled(daemon: str, *labels: str) -> list[dict]:
    filters = q(json.dumps({"label": list(labels)}))
    return json.loads(http(daemon, "GET", f"{API}/images/json?all=1&filters={filters}").body)


def cleanup(daemon: str, label: str) -> None:
    for image in images_labelled(daemon, label):
        http(daemon, "DELETE", f"{API}/images/{image['Id']}?force=1")


def build(sock: str, dockerfile: str, query: str = ""):
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    return http(sock, "POST", f"{API}/build?networkmode=none&forcerm=1{query}", ctx,
                {"Content-Type": "application/x-tar"}, timeout=120)


def test_a_jobs_build_labels_may_not_set_the_mark(jobs, dockerd_sock):
    """Straight on the daemon a build's `labels` give the image the key;
    through a job socket: 403 naming it (the old binary built the image,
    with the job's value)."""
    value = unique("image-q")
    labels = "&labels=" + q(json.dumps({MARK: value}))
    try:
        r = build(dockerd_sock, f"FROM {IMG}\n", labels)
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]
        assert len(images_labelled(dockerd_sock, f"{MARK}={value}")) == 1
        cleanup(dockerd_sock, f"{MARK}={value}")

        job = unique("jm")
        r = build(jobs.open(job), f"FROM {IMG}\n", labels)
        assert r.status == 403 and MARK in json.loads(r.body)["message"], (r.status, r.body[-400:])
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []
    finally:
        cleanup(dockerd_sock, f"{MARK}={value}")


# As dockerd reads a LABEL key (`ProcessWord`: quotes and escapes removed), any case of the instruction.
SPELLINGS = ["LABEL {k}={v}", 'label "{k}"={v}', "Label io.sockwarden.\"cr\"'eate'={v}",
             "LABEL io.sockwarden.cr\\eate={v}", "LABEL {k} {v}", "LABEL a=1 {k}={v}"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_jobs_dockerfile_may_not_label_the_mark(jobs, dockerd_sock, spelling):
    """Straight on the daemon each spelling gives the image (and a later
    `RUN` step's container) the key; through a job socket the build is
    refused with 403 naming it (the old binary built it, with the job's
    value on the image)."""
    value = unique("image-d")
    dockerfile = f"FROM {IMG}\n{spelling.format(k=MARK, v=value)}\nRUN true\n"
    try:
        r = build(dockerd_sock, dockerfile)
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]
        # The LABEL step's image and the RUN step's (made from its container, which carried it).
        assert len(images_labelled(dockerd_sock, f"{MARK}={value}")) == 2
        cleanup(dockerd_sock, f"{MARK}={value}")

        job = unique("jd")
        r = build(jobs.open(job), dockerfile)
        assert r.status == 403 and MARK in json.loads(r.body)["message"], (r.status, r.body[-400:])
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []
    finally:
        cleanup(dockerd_sock, f"{MARK}={value}")


def import_image(sock: str, repo: str, change: str):
    return http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=1&changes={q(change)}",
                tar_of({"a": b"1"}), {"Content-Type": "application/x-tar"}, timeout=60)


def test_a_jobs_import_changes_may_not_name_the_mark(jobs, dockerd_sock):
    """Straight on the daemon an import's `LABEL` change gives the image the
    key. Through a job socket: 403 (the old binary passed it, and the image
    carried the job socket's own mark, its `LABEL` change coming last). A
    spelling no byte search finds (quoted pieces) is passed, and the job
    socket's mark wins all the same."""
    value = unique("image-i")
    job = unique("ji")
    try:
        r = import_image(dockerd_sock, unique("mi"), f"LABEL {MARK}={value}")
        assert r.status == 200 and b"sha256:" in r.body, r.body
        assert len(images_labelled(dockerd_sock, f"{MARK}={value}")) == 1
        cleanup(dockerd_sock, f"{MARK}={value}")

        sock = jobs.open(job)
        r = import_image(sock, unique("mi"), f"LABEL {MARK}={value}")
        assert r.status == 403 and MARK in json.loads(r.body)["message"], (r.status, r.body)
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []

        r = import_image(sock, unique("mi"), f'LABEL "io.sockwarden.creat"e={value}')
        assert r.status == 200 and b"sha256:" in r.body, r.body
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []
        made = images_labelled(dockerd_sock, f"{OWNER}={job}")
        assert len(made) == 1 and made[0]["Labels"][MARK].startswith("image-"), made
    finally:
        cleanup(dockerd_sock, f"{MARK}={value}")
        cleanup(dockerd_sock, f"{OWNER}={job}")


def test_a_jobs_commit_may_not_name_the_mark(jobs, dockerd_sock):
    """A job's commit whose `changes` or body `Labels` name the key: 403
    (the old binary passed both; the job socket's own `LABEL` change, last,
    gave the image its mark all the same)."""
    value = unique("image-c")
    job = unique("jc")
    try:
        sock = jobs.open(job)
        ctr = unique("mc")
        assert create(sock, ctr).status == 201
        r = http(sock, "POST", f"{API}/commit?container={ctr}&repo={unique('mc')}&changes={q(f'LABEL {MARK}={value}')}", b"")
        assert r.status == 403 and MARK in json.loads(r.body)["message"], (r.status, r.body)
        r = http(sock, "POST", f"{API}/commit?container={ctr}&repo={unique('mc')}",
                 json.dumps({"Labels": {MARK: value}}).encode(), {"Content-Type": "application/json"})
        assert r.status == 403 and MARK in json.loads(r.body)["message"], (r.status, r.body)
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []
        assert images_labelled(dockerd_sock, f"{OWNER}={job}") == []
    finally:
        cleanup(dockerd_sock, f"{MARK}={value}")
        cleanup(dockerd_sock, f"{OWNER}={job}")


def containers_labelled(daemon: str, label: str) -> list[dict]:
    filters = q(json.dumps({"label": [label]}))
    return json.loads(http(daemon, "GET", f"{API}/containers/json?all=1&filters={filters}").body)


# What a client of the main socket sends, naming the mark (`{v}` its value).
MAIN_SOCKET_MARKS = {
    "container-labels": ("POST", "/containers/create?name={n}",
                         {"Image": IMG, "Cmd": ["true"], "Labels": {MARK: "{v}"}, "HostConfig": {"NetworkMode": "none"}}),
    "build-labels": ("POST", "/build?networkmode=none&forcerm=1&labels=" + q(json.dumps({MARK: "{v}"})), None),
    "import-changes": ("POST", "/images/create?fromSrc=-&repo={n}&tag=1&changes=" + q(f"LABEL {MARK}={{v}}"), None),
    "commit-changes": ("POST", "/commit?container={c}&repo={n}&changes=" + q(f"LABEL {MARK}={{v}}"), None),
    "commit-body": ("POST", "/commit?container={c}&repo={n}", {"Labels": {MARK: "{v}"}}),
}


@pytest.mark.parametrize("case", MAIN_SOCKET_MARKS, ids=list(MAIN_SOCKET_MARKS))
def test_the_main_socket_may_not_set_the_mark_while_job_sockets_exist(jobs, dockerd_sock, case):
    """With job sockets in use, the main socket refuses the mark as it
    refuses the owner label: 403 naming it, nothing made (until 2026-12-01
    it passed each of these; harmless as far as found, but the key is the
    one a job socket's events and reaps trust)."""
    method, path, body = MAIN_SOCKET_MARKS[case]
    value, name = unique("image-m"), unique("mm")
    jobs.open(unique("jm"))
    ctr = unique("mmc")
    assert create(jobs.proxy.sock, ctr).status == 201
    target = API + path.replace("{n}", name).replace("{c}", ctr).replace("{v}", value).replace(q("{v}"), q(value))
    payload, headers = b"", {}
    if body is not None:
        payload, headers = json.dumps(body).replace("{v}", value).encode(), {"Content-Type": "application/json"}
    if case == "build-labels":
        payload, headers = tar_of({"Dockerfile": f"FROM {IMG}\n".encode()}), {"Content-Type": "application/x-tar"}
    if case == "import-changes":
        payload, headers = tar_of({"a": b"1"}), {"Content-Type": "application/x-tar"}
    try:
        r = http(jobs.proxy.sock, method, target, payload, headers, timeout=120)
        assert r.status == 403, (r.status, r.body[-400:])
        message = json.loads(r.body)["message"]
        assert f"the label {MARK} is reserved for job sockets" in message, message
        assert images_labelled(dockerd_sock, f"{MARK}={value}") == []
        assert containers_labelled(dockerd_sock, f"{MARK}={value}") == []
        # The same request without the mark is served.
        plain = target.replace(q(MARK), q("org.example.k")).replace(MARK, "org.example.k")
        plain_payload = payload.replace(MARK.encode(), b"org.example.k")
        r = http(jobs.proxy.sock, method, plain, plain_payload, headers, timeout=120)
        assert r.status in (200, 201), (r.status, r.body[-400:])
        assert b'"error"' not in r.body and b"errorDetail" not in r.body, r.body[-400:]
    finally:
        cleanup(dockerd_sock, f"{MARK}={value}")
        cleanup(dockerd_sock, f"org.example.k={value}")
        for c in containers_labelled(dockerd_sock, f"org.example.k={value}"):
            http(dockerd_sock, "DELETE", f"{API}/containers/{c['Id']}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/containers/{ctr}?force=1")


@pytest.mark.parametrize("key,escaped", [
    (OWNER, "io.sockwarden.jo\\u0062"),
    (MARK, "io.sockwarden.creat\\u0065"),
], ids=["owner", "mark"])
def test_the_main_socket_reads_build_labels_as_the_daemon_does(jobs, dockerd_sock, key, escaped):
    """A build's `labels` is JSON the daemon decodes: a reserved key with a
    letter escaped is the key itself. Straight on the daemon the image gets
    it; through the main socket, while job sockets exist, it is refused like
    the key written out (it was passed until 2026-12-01: the check searched
    the JSON text for the key's bytes)."""
    value = unique("esc")
    labels = "&labels=" + q('{"' + escaped + '":"' + value + '"}')
    try:
        r = build(dockerd_sock, f"FROM {IMG}\n", labels)
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]
        assert len(images_labelled(dockerd_sock, f"{key}={value}")) == 1, "the daemon did not decode the escape"
        cleanup(dockerd_sock, f"{key}={value}")

        jobs.open(unique("je"))
        r = build(jobs.proxy.sock, f"FROM {IMG}\n", labels)
        assert r.status == 403, (r.status, r.body[-400:])
        assert f"the label {key} is reserved for job sockets" in json.loads(r.body)["message"], r.body
        assert images_labelled(dockerd_sock, f"{key}={value}") == []
    finally:
        cleanup(dockerd_sock, f"{key}={value}")
