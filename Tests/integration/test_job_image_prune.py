"""Image prune on job sockets. dockerd 20.10's image prune applies its
`label` filters only to images that have a config (`ImagesPrune`:
`img.Config != nil && !matchLabels(...)`): an image whose config JSON has no
`config` object (loaded, or pulled from a registry that serves one) is
pruned whatever the labels say. A job socket scoped the prune by adding the
owner's label filter and forwarding it, so `docker image prune -a` on a job
socket removed such shared images, with the tags other jobs had claimed on
them, and named those tags in its answer (found 2026-11-30, session 12). A
job socket now prunes the job's own images itself.

Differential: straight to the daemon, the prune a job socket used to forward
removes a config-less image; on a job socket it stays."""
import hashlib
import io
import json
import tarfile
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique
from test_jobs import IMG, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
LABEL = "io.sockwarden.job"


def config_less_archive(name: str) -> bytes:
    """A `docker save` archive of one image whose config has no `config` object."""
    layer = tar_of({"hello.txt": unique("content").encode()})
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2020-01-01T00:00:00Z",
                         "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [name], "Layers": ["l/layer.tar"]}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, data in ((config_name, config), ("l/layer.tar", layer), ("manifest.json", manifest)):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def load_config_less(daemon: str, name: str) -> str:
    r = http(daemon, "POST", f"{API}/images/load?quiet=1", config_less_archive(name), {"Content-Type": "application/x-tar"})
    assert r.status == 200 and name.encode() in r.body, r.body
    info = image_info(daemon, name)
    assert info is not None and info["Config"] is None, info
    return info["Id"]


def image_info(daemon: str, name: str) -> dict | None:
    r = http(daemon, "GET", f"{API}/images/{name}/json")
    return json.loads(r.body) if r.status == 200 else None


def prune(sock: str, filters: dict | None = None):
    query = "?filters=" + urllib.parse.quote(json.dumps(filters)) if filters is not None else ""
    return http(sock, "POST", f"{API}/images/prune{query}", b"", timeout=60)


def build(sock: str, tag: str, dockerfile: str):
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    r = http(sock, "POST", f"{API}/build?t={urllib.parse.quote(tag)}&networkmode=none", ctx,
             {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-500:]


def test_a_job_prune_does_not_remove_an_image_without_a_config(jobs, dockerd_sock):
    a, b = unique("ip-a"), unique("ip-b")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    shared = unique("ip-nocfg") + ":1"
    claimed = f"{b}-claim:1"
    own = f"{a}-app:1"
    try:
        # Straight to the daemon: the prune a job socket forwarded (the job's
        # owner label as its filter) removes the config-less image.
        load_config_less(dockerd_sock, shared)
        r = prune(dockerd_sock, {"dangling": ["false"], "label": [f"{LABEL}={a}"]})
        assert r.status == 200 and {"Untagged": shared} in json.loads(r.body)["ImagesDeleted"], r.body
        assert image_info(dockerd_sock, shared) is None

        # Through job sockets: B claims a tag on a shared config-less image,
        # A has an image of its own, tagged, and one untagged.
        load_config_less(dockerd_sock, shared)
        assert http(socks[b], "POST", f"{API}/images/{shared}/tag?repo={b}-claim&tag=1", b"").status == 201
        build(socks[a], own, f"FROM {IMG}\nLABEL built={a}\n")
        for filters in (None, {"dangling": ["true"]}, {"dangling": ["false"]}):
            r = prune(socks[a], filters)
            assert r.status == 200, r.body
            assert shared.encode() not in r.body and claimed.encode() not in r.body, (filters, r.body)
            assert image_info(dockerd_sock, shared) is not None, f"a shared image was pruned by job {a} ({filters})"
            assert image_info(dockerd_sock, claimed) is not None, f"job {b}'s tag was pruned by job {a} ({filters})"
        # The job's own image went with the last prune, as the daemon's prune answers it.
        report = json.loads(r.body)
        assert {"Untagged": own} in report["ImagesDeleted"] and report["SpaceReclaimed"] == 0, r.body
        assert image_info(dockerd_sock, own) is None
        # Nothing left: the daemon's answer for none.
        assert prune(socks[a], {"dangling": ["false"]}).body == b'{"ImagesDeleted":null,"SpaceReclaimed":0}\n'
        # The daemon's refusals, with its messages.
        for filters, text in (({"reference": ["x"]}, "Invalid filter 'reference'"),
                              ({"dangling": ["maybe"]}, "Invalid filter 'dangling=[maybe]'")):
            mine, theirs = prune(socks[a], filters), prune(dockerd_sock, {**filters, "label": [f"{LABEL}={a}"]})
            assert (mine.status, json.loads(mine.body)["message"]) == (theirs.status, json.loads(theirs.body)["message"]) == (400, text)
    finally:
        for name in (claimed, shared, own):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")
