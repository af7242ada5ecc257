"""`docker top` options that make dockerd's ps list the host's processes.

`GET /containers/{id}/top?ps_args=…` makes dockerd 20.10 run the host's
`ps` as root, in the host's pid namespace: `ps <ps_args> -q<the container's
pids>`, and, when procps refuses `-q` with those options (a forest listing,
`f`; any selection, `-C name`), `ps <ps_args>` again without `-q`: every
process on the host. Only `parsePSOutput` then keeps the answer to the
container: it reads the word under the first header word `PID` and keeps
the row if that word is one of the container's pids, and answers
`Unexpected pid '<word>'` for a word that is not a number. A column renamed
`PID` at the very start of `ps_args` passes dockerd's `validatePSArgs`, and
a header with form feeds in it is several words to the daemon and one to
ps, so the word read can be any word of any host process: its command line,
and with `e` its environment. Found by the red-team review of session 12
(2026-11-30): through ci.toml, and through a job socket on the job's own
container, a job read another job's container's environment and the host's
processes' secrets, one word per request.

Differential: straight to the daemon the secret of a process started on the
host comes back; through the proxy the same request is refused (rule body),
and the options people use (`aux`, `-eo pid,comm`) still pass."""
import os
import shutil
import subprocess
import tempfile
import urllib.parse

import pytest

from swhelpers import API, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


@pytest.fixture
def host_secret(short_tmp):
    """A process on the host (not in any container) with a secret in its
    environment, under a command name of its own."""
    d = tempfile.mkdtemp(dir=short_tmp)
    comm = unique("hs")[:15]
    exe = os.path.join(d, comm)
    shutil.copy(shutil.which("sleep"), exe)
    secret = "SWTOKEN=" + unique("hostsecret")
    proc = subprocess.Popen(["env", "-i", secret, exe, "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield comm, secret
    finally:
        proc.kill()
        proc.wait()


def top(sock: str, name: str, ps_args: str):
    return http(sock, "GET", f"{API}/containers/{name}/top?" + urllib.parse.urlencode({"ps_args": ps_args}))


def word(i: int, comm: str) -> str:
    """ps_args whose "PID" is, for the daemon, word i of the process's
    command line and environment (0: the executable): a header of i+1 words
    for the daemon (form feeds), one for ps, over uid, then the command."""
    return "-ouid=" + "\f".join(["A"] * (i + 1) + ["PID"]) + f",args= e ww -C {comm}"


def test_ps_args_that_list_the_hosts_processes_are_refused(dockerd_sock, ci_proxy, image, host_secret):
    comm, secret = host_secret
    name = unique("top")
    try:
        c = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
                 f'{{"Image": "{IMG}", "Cmd": ["sleep", "300"], "HostConfig": {{"NetworkMode": "none"}}}}'.encode())
        assert c.status == 201, c
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
        # ww: ps cuts its lines at 80 columns when not writing to a terminal.
        for ps_args, shown in ((word(2, comm), secret), ("-oargs=PID axf", "Unexpected pid")):
            direct = top(dockerd_sock, name, ps_args)
            assert direct.status == 500 and shown.encode() in direct.body, (ps_args, direct)
            proxied = top(ci_proxy.sock, name, ps_args)
            assert proxied.status == 403 and b"ps_args" in proxied.body, (ps_args, proxied)
            assert b"SWTOKEN=" not in proxied.body
        for ps_args in ("", "aux", "-eo pid,comm", "-ef"):
            proxied = top(ci_proxy.sock, name, ps_args)
            assert proxied.status == 200, (ps_args, proxied)
            assert [p for p in proxied.json()["Processes"] if "sleep" in p[-1]], proxied
    finally:
        force_remove(dockerd_sock, name)
