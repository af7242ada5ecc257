"""A minimal registry stand-in on loopback, for tests that need an image the
daemon knows by digest (pulled as `127.0.0.1:PORT/name@sha256:…`, so its
`RepoDigests` names it and its `RepoTags` may be empty).

dockerd 20.10 treats 127.0.0.0/8 as an insecure registry and speaks plain
HTTP to it. Served: `GET /v2/` (200), `GET|HEAD /v2/<name>/manifests/<ref>`
(one schema2 manifest, by any tag or by its digest) and
`GET|HEAD /v2/<name>/blobs/<digest>` (its config and one gzipped layer, a
tiny rootfs: busybox-static's binary and a few applet links). No network,
no push."""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def rootfs_tar(marker: str = "") -> bytes:
    """An uncompressed layer: /bin/busybox with `sh` and `true` links, and a
    file naming `marker` (so each test can have an image of its own)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ti = tarfile.TarInfo("bin")
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 0
        tar.addfile(ti)
        if os.path.exists("/bin/busybox"):
            with open("/bin/busybox", "rb") as f:
                data = f.read()
            ti = tarfile.TarInfo("bin/busybox")
            ti.size, ti.mode, ti.mtime = len(data), 0o755, 0
            tar.addfile(ti, io.BytesIO(data))
            for applet in ("sh", "true", "cat"):
                ti = tarfile.TarInfo(f"bin/{applet}")
                ti.type, ti.linkname, ti.mode, ti.mtime = tarfile.SYMTYPE, "busybox", 0o777, 0
                tar.addfile(ti)
        data = marker.encode()
        ti = tarfile.TarInfo("marker")
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
        tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


class Registry:
    """Serves one image under every repository name asked for."""

    def __init__(self, marker: str = ""):
        layer = rootfs_tar(marker)
        self.layer = gzip.compress(layer, mtime=0)
        config = {
            "architecture": "amd64", "os": "linux",
            "config": {"Cmd": ["/bin/sh"], "Labels": {"sw.test.marker": marker}},
            "rootfs": {"type": "layers", "diff_ids": [_sha(layer)]},
            "history": [{"created_by": "registry_standin"}],
        }
        self.config = json.dumps(config, sort_keys=True).encode()
        manifest = {
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(self.config), "digest": _sha(self.config)},
            "layers": [{"mediaType": LAYER_TYPE, "size": len(self.layer), "digest": _sha(self.layer)}],
        }
        self.manifest = json.dumps(manifest, sort_keys=True).encode()
        self.digest = _sha(self.manifest)
        self.image_id = _sha(self.config)
        self.blobs = {_sha(self.config): self.config, _sha(self.layer): self.layer}
        # Every path asked for, in order (a test can tell nothing was pulled).
        self.requests: list[str] = []
        # Seconds each blob waits before it is served (a slow pull).
        self.blob_delay = 0.0
        # "user:password": every request must carry it as HTTP Basic
        # credentials (a 401 with a Basic challenge otherwise).
        self.basic_auth: str | None = None
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _route(self):
                path = self.path.split("?", 1)[0]
                registry.requests.append(path)
                if registry.basic_auth is not None:
                    expected = "Basic " + base64.b64encode(registry.basic_auth.encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        return self._send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                                          "application/json", {"WWW-Authenticate": 'Basic realm="standin"'})
                if path in ("/v2/", "/v2"):
                    return self._send(200, b"{}", "application/json")
                if path.startswith("/v2/") and "/manifests/" in path:
                    ref = path.rsplit("/manifests/", 1)[1]
                    if ref.startswith("sha256:") and ref != registry.digest:
                        return self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', "application/json")
                    return self._send(200, registry.manifest, MANIFEST_TYPE,
                                      {"Docker-Content-Digest": registry.digest})
                if path.startswith("/v2/") and "/blobs/" in path:
                    if registry.blob_delay:
                        time.sleep(registry.blob_delay)
                    blob = registry.blobs.get(path.rsplit("/blobs/", 1)[1])
                    if blob is None:
                        return self._send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', "application/json")
                    return self._send(200, blob, "application/octet-stream",
                                      {"Docker-Content-Digest": _sha(blob)})
                return self._send(404, b"{}", "application/json")

            do_GET = _route
            do_HEAD = _route

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve_config(self, change) -> None:
        """From now on the stand-in serves another image under every name:
        its config as `change` (called with the config as a dict) leaves it."""
        config = json.loads(self.config)
        change(config)
        self.config = json.dumps(config, sort_keys=True).encode()
        manifest = json.loads(self.manifest)
        manifest["config"].update(digest=_sha(self.config), size=len(self.config))
        self.manifest = json.dumps(manifest, sort_keys=True).encode()
        self.digest, self.image_id = _sha(self.manifest), _sha(self.config)
        self.blobs[_sha(self.config)] = self.config

    def start(self) -> "Registry":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reference(self, name: str) -> str:
        """`127.0.0.1:PORT/name@sha256:…`, the image by digest."""
        return f"{self.host}/{name}@{self.digest}"
