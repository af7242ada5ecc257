"""A request refused while its client is still sending a large body: the
client reads the refusal, not a broken pipe (found 2026-12-02, session 20,
by the clients sweep: `docker load -i` of a 2 or 32 MB archive on a job
socket, which refuses image load, printed `write: broken pipe` instead of
the refusal in about half the runs with the CLI 28). The proxy closed the
connection as soon as the answer was written; a body over the drain limit
(1 MiB) is now read and thrown away while the client still sends it (up to
5 s), then the connection closes."""
import os

import pytest

from swhelpers import CLI_PATHS, DockerCLI
from test_jobs import jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def test_a_refused_large_load_shows_the_refusal_every_time(jobs, docker_config, short_tmp):  # noqa: F811
    if not CLI_PATHS:
        pytest.skip("no docker CLI installed")
    sock = jobs.open("upload-refused")
    archive = os.path.join(short_tmp, "big-load.tar")
    with open(archive, "wb") as f:
        f.write(os.urandom(32 << 20))
    cli = DockerCLI(CLI_PATHS[0], sock, docker_config)
    outcomes = []
    for _ in range(8):
        r = cli("load", "-i", archive)
        outcomes.append((r.returncode, r.stderr.decode(errors="replace").strip()[-200:]))
    assert all(code != 0 and "image.load on a job socket" in err for code, err in outcomes), outcomes
