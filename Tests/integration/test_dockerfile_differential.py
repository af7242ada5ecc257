"""Which images a Dockerfile makes dockerd 20.10's classic builder resolve,
observed on the daemon, against sockwarden's Dockerfile reader.

The reader (Sources/EngineAPI/Build/Dockerfile.swift) is pure and has no
command line, so the answers observed here are the expectations of its unit
table: `daemonObservedCases` in Tests/EngineAPITests/DockerfileTests.swift.
This test reads that table, checks that each row it builds has the same
Dockerfile and build args, and that the images the daemon used are the ones
the row expects:

- each FROM step: the image ID the daemon printed for it (` ---> <id>`) is
  the ID of the row's `.from` image, in order; a FROM the row does not list
  resolved to a stage (an ID of no tagged image) or to scratch (no ID);
- each COPY --from: the file it copied into the built image came from the
  image (its `/id` file names it) the row lists as `.copyFrom`, or from a
  stage when the row lists nothing;
- ONBUILD: the trigger is stored in the image and, in a child build, copies
  from the image the row lists with `onBuild`;
- a row the reader refuses: the daemon refuses the Dockerfile too.

Two base images stand in for registry images: `swtest/df-a:1` and
`swtest/df-b:1`, busybox with a file `/id` holding `a` or `b` (and
`dfself:latest`, another name of df-a). Nothing is pulled; ADD URLs are
tested in the unit table only."""
import io
import json
import re
import tarfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from swhelpers import API, REPO, http, tar_of, unique

SWIFT_TABLE = REPO / "Tests" / "EngineAPITests" / "DockerfileTests.swift"
BASES = {"swtest/df-a:1": "a", "swtest/df-b:1": "b"}
ALIASES = {"dfself": "swtest/df-a:1"}


@dataclass
class Case:
    name: str  # the row of the same name in daemonObservedCases
    dockerfile: str
    buildargs: dict = field(default_factory=dict)
    # Per FROM step, in order: an image, "stage" or "scratch".
    froms: list = field(default_factory=list)
    # Path in the built image -> the image or "stage:<letter>" it was copied from.
    copied: dict = field(default_factory=dict)
    # Path in a child build's image -> the image an ONBUILD COPY --from used.
    onbuild_child: dict = field(default_factory=dict)
    error: str | None = None


A, B = "swtest/df-a:1", "swtest/df-b:1"
CASES = [
    Case("plain FROM", "FROM swtest/df-a:1\n", froms=[A]),
    Case("escape directive with backtick, stage name continued, mixed-case COPY --from",
         "# escape=`\nARG IMG=swtest/df-a:1\nFROM ${IMG} `\n  AS First\nFROM swtest/df-b:1\nCOPY --from=FIRST /id /copied\n",
         froms=[A, B], copied={"/copied": "stage:a"}),
    Case("continuation with comments and an empty line inside",
         "FROM \\\n# a comment\n   # an indented comment\n  swtest/df-b:1 \\\n\n  AS x\nFROM x\n", froms=[B, "stage"]),
    Case("ARG default", "ARG IMG=swtest/df-a:1\nFROM $IMG\n", froms=[A]),
    Case("build arg overrides a declared ARG", "ARG IMG=swtest/df-a:1\nFROM $IMG\n", {"IMG": B}, froms=[B]),
    Case("null build arg keeps the default", "ARG IMG=swtest/df-a:1\nFROM $IMG\n", {"IMG": None}, froms=[A]),
    Case("undeclared build arg does not apply", "FROM ${OTHER:-swtest/df-a:1}\n", {"OTHER": B}, froms=[A]),
    Case("declared ARG without default takes the build arg", "ARG IMG\nFROM ${IMG:-swtest/df-a:1}\n", {"IMG": B}, froms=[B]),
    Case("undeclared variable expands to nothing", "FROM swtest/df-a${UNDECLARED}:1\n", froms=[A]),
    Case("meta ARG default reads an earlier meta ARG with its override",
         "ARG L=b\nARG IMG=swtest/df-$L:1\nFROM $IMG\n", {"L": "a"}, froms=[A]),
    Case("ARG inside a stage does not reach FROM", "ARG V=a\nFROM swtest/df-${V}:1\nARG V=b\nFROM swtest/df-${V}:1\n",
         froms=[A, A]),
    Case("${X:+word} and ${X:-word}",
         "ARG SET=1\nARG EMPTY=\nFROM swtest/df-${SET:+b}${EMPTY:+x}:1\nFROM swtest/df-${EMPTY:-a}:1\n", froms=[B, A]),
    Case("quotes in FROM", "ARG TAG=1\nFROM \"swtest/df-a:$TAG\"\nFROM 'swtest/df-b:1'\n", froms=[A, B]),
    Case("stage names are case-insensitive", "FROM swtest/df-a:1 AS Builder\nLABEL stage=builder\nFROM BUILDER\n",
         froms=[A, "stage"]),
    Case("stage name through an ARG", "ARG S=base\nFROM swtest/df-b:1 as base\nLABEL stage=base\nFROM $S\n",
         froms=[B, "stage"]),
    Case("COPY --from index", "FROM swtest/df-b:1\nFROM swtest/df-a:1\nCOPY --from=0 /id /copied\n",
         froms=[B, A], copied={"/copied": "stage:b"}),
    Case("COPY --from an image", "FROM swtest/df-a:1\nCOPY --from=swtest/df-b:1 /id /copied\n",
         froms=[A], copied={"/copied": B}),
    Case("COPY --from the current stage's own name is an image",
         "FROM swtest/df-b:1 AS dfself\nCOPY --from=dfself /id /copied\nFROM dfself\n",
         froms=[B, "stage"], copied={"/copied": "dfself"}),
    Case("COPY --from quoted flag value", "FROM swtest/df-a:1\nCOPY --from=\"swtest/df-b:1\" /id /copied\n",
         froms=[A], copied={"/copied": B}),
    Case("scratch", "FROM scratch AS s\nFROM swtest/df-a:1\n", froms=["scratch", A]),
    Case("lower-case instructions and COPY in JSON form",
         "arg IMG=swtest/df-b:1\nfrom $IMG as one\nfrom swtest/df-a:1\ncopy --from=one [\"/id\", \"/copied\"]\n",
         froms=[B, A], copied={"/copied": "stage:b"}),
    Case("--platform expanded with a meta ARG", "ARG P=linux\nFROM --platform=$P swtest/df-a:1\n", froms=[A]),
    Case("ONBUILD COPY --from is stored, not run",
         "FROM swtest/df-a:1\nONBUILD COPY --from=swtest/df-b:1 /id /onbuild-id\n",
         froms=[A], onbuild_child={"/onbuild-id": B}),
    Case("ONBUILD of a stage runs when a later stage is FROM it",
         "FROM swtest/df-a:1 AS base\nONBUILD COPY --from=swtest/df-b:1 /id /onbuild-id\nFROM base\n",
         froms=[A, "stage"], copied={"/onbuild-id": B}),
    Case("ONBUILD of a stage: --from names this build's stages when it runs",
         "FROM swtest/df-b:1 AS b\nFROM swtest/df-a:1 AS base\nONBUILD COPY --from=b /id /onbuild-id\nFROM base\n",
         froms=[B, A, "stage"], copied={"/onbuild-id": "stage:b"}),
    Case("unknown instruction refuses the Dockerfile", "FROM swtest/df-a:1\nFOO bar\n",
         error="unknown instruction: FOO"),
    Case("COPY --from is not expanded", "ARG X=swtest/df-a:1\nFROM swtest/df-b:1\nCOPY --from=$X /id /copied\n",
         error="invalid from flag value $X"),
    Case("stage name used twice", "FROM swtest/df-a:1 AS x\nFROM swtest/df-b:1 AS X\n", error="stage name already used"),
    Case("blank base name", "ARG EMPTY\nFROM $EMPTY\n", error="should not be blank"),
    Case("a build arg spelt with a decomposed accent does not set the ARG", "ARG \u00c9=swtest/df-a:1\nFROM $\u00c9\n",
         {"E\u0301": B}, froms=[A]),
    Case("an ARG spelt with a decomposed accent does not declare the precomposed one",
         "ARG E\u0301=swtest/df-b:1\nFROM ${\u00c9:-swtest/df-a:1}\n", froms=[A]),
]


# --------------------------------------------------------------------------
# the Swift table
# --------------------------------------------------------------------------


def swift_string(literal: str) -> str:
    out, i = [], 0
    while i < len(literal):
        c = literal[i]
        if c == "\\":
            n = literal[i + 1]
            if n == "u":
                end = literal.index("}", i)
                out.append(chr(int(literal[i + 3:end], 16)))
                i = end + 1
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "\"": "\"", "\\": "\\", "0": "\0"}[n])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


STRING = r'"((?:[^"\\]|\\.)*)"'


def swift_rows() -> dict:
    text = SWIFT_TABLE.read_text()
    block = text[text.index("let daemonObservedCases"):]
    block = block[:block.index("\n]\n")]
    rows = {}
    for chunk in block.split("\n    .init(")[1:]:
        name, dockerfile = (swift_string(s) for s in re.findall(STRING, chunk)[:2])
        args = {}
        m = re.search(r"buildArgs: \[(.*?)\],", chunk)
        if m:
            for k, v, _ in re.findall(STRING + r": (" + STRING + r"|String\?\.none)", m.group(1)):
                args[swift_string(k)] = None if v == "String?.none" else swift_string(v[1:-1])
        refs = [("from", swift_string(v), False) for v in re.findall(r"\bfrom\(" + STRING, chunk)]
        refs += [("copyFrom", swift_string(v), bool(ob))
                 for v, ob in re.findall(r"\bcopyFrom\(" + STRING + r", \d+(, onBuild: true)?\)", chunk)]
        rows[name] = dict(dockerfile=dockerfile, buildargs=args, refs=refs,
                          undecidable=".undecidable(" in chunk)
    return rows


def test_every_daemon_observed_row_is_built_here():
    assert sorted(swift_rows()) == sorted(c.name for c in CASES)


# --------------------------------------------------------------------------
# the daemon
# --------------------------------------------------------------------------


def build(sock: str, files: dict, buildargs: dict | None = None, tag: str | None = None):
    """(output text, error or None) of a classic build straight on the daemon."""
    q = {"nocache": "1", "rm": "1", "forcerm": "1", "networkmode": "none"}
    if buildargs:
        q["buildargs"] = json.dumps(buildargs)
    if tag:
        q["t"] = tag
    r = http(sock, "POST", f"{API}/build?{urllib.parse.urlencode(q)}", tar_of(files),
             {"Content-Type": "application/x-tar"}, timeout=120)
    if r.status != 200:
        return "", json.loads(r.body)["message"]
    out, error = [], None
    for line in r.body.decode().splitlines():
        if not line.strip():
            continue
        msg = json.loads(line)
        out.append(msg.get("stream", ""))
        error = error or msg.get("error")
    return "".join(out), error


def image_id(sock: str, ref: str) -> str:
    r = http(sock, "GET", f"{API}/images/{urllib.parse.quote(ref, safe='')}/json")
    assert r.status == 200, (ref, r)
    return r.json()["Id"].split(":", 1)[1]


def steps(output: str) -> tuple[list[str], list[str]]:
    """The ID printed after each FROM step ("" for scratch), and the last ID
    of each stage."""
    froms, stage_ends, waiting = [], [], False
    for line in re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines():
        if re.match(r"^Step \d+/\d+ : ", line):
            waiting = re.match(r"^Step \d+/\d+ : from\b", line, re.I) is not None
            if waiting:
                stage_ends.append("")
            continue
        m = re.match(r"^ ---> ([0-9a-f]*)\s*$", line)
        if m and stage_ends:
            stage_ends[-1] = m.group(1)
            if waiting:
                froms.append(m.group(1))
                waiting = False
    return froms, stage_ends


def built_id(output: str) -> str:
    return re.findall(r"Successfully built ([0-9a-f]+)", output)[-1]


def read_file(sock: str, image: str, path: str) -> str:
    r = http(sock, "POST", f"{API}/containers/create", json.dumps({"Image": image, "Cmd": ["true"],
             "NetworkDisabled": True}).encode(), {"Content-Type": "application/json"})
    assert r.status == 201, r
    cid = r.json()["Id"]
    try:
        r = http(sock, "GET", f"{API}/containers/{cid}/archive?path={urllib.parse.quote(path)}")
        assert r.status == 200, r
        with tarfile.open(fileobj=io.BytesIO(r.body)) as tar:
            return tar.extractfile(tar.getmembers()[0]).read().decode().strip()
    finally:
        http(sock, "DELETE", f"{API}/containers/{cid}?force=1")


@pytest.fixture(scope="module")
def bases(dockerd_sock, image):
    """Image ID by tag: the two base images (and busybox)."""
    ids = {image: image_id(dockerd_sock, image)}
    for tag, letter in BASES.items():
        out, error = build(dockerd_sock, {"Dockerfile": f"FROM {image}\nCOPY id /id\nLABEL df={letter}\n".encode(),
                                          "id": letter.encode()}, tag=tag)
        assert error is None, error
        ids[tag] = image_id(dockerd_sock, tag)
    for alias, tag in ALIASES.items():
        r = http(dockerd_sock, "POST", f"{API}/images/{urllib.parse.quote(tag, safe='')}/tag?repo={alias}&tag=latest")
        assert r.status == 201, r
    yield ids
    for tag in [*ALIASES, *BASES]:
        http(dockerd_sock, "DELETE", f"{API}/images/{urllib.parse.quote(tag, safe='')}?force=1", timeout=30)


@pytest.fixture
def built_images(dockerd_sock):
    made: list[str] = []
    yield made
    for ref in reversed(made):
        http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1", timeout=30)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_daemon_resolves_what_the_reader_says(case, dockerd_sock, bases, built_images):
    row = swift_rows()[case.name]
    assert row["dockerfile"] == case.dockerfile, "the Swift row builds another Dockerfile"
    assert row["buildargs"] == case.buildargs, "the Swift row has other build args"

    tag = f"swtest/df-case-{unique('c')}:1"
    out, error = build(dockerd_sock, {"Dockerfile": case.dockerfile.encode()}, case.buildargs, tag)
    if error is None:
        built_images.append(tag)
    if case.error:
        assert row["undecidable"], "the daemon refuses it; the reader must too"
        assert error is not None and case.error in error, (error, out)
        return
    assert error is None, (error, out)
    assert not row["undecidable"]

    # FROM: the images, in order, are the reader's `.from` references.
    froms, stage_ends = steps(out)
    assert len(froms) == len(case.froms), out
    images = [f for f in case.froms if f not in ("stage", "scratch")]
    assert [v for k, v, ob in row["refs"] if k == "from"] == images
    for i, (expected, got) in enumerate(zip(case.froms, froms)):
        if expected == "scratch":
            assert got == "", out
        elif expected == "stage":
            # An earlier stage's image (no image of that name exists: the
            # daemon would have had to pull it, and nothing can be pulled).
            # With ONBUILD triggers, the ID printed is the image the triggers
            # committed on top of that stage's.
            if got not in stage_ends[:i]:
                assert "# Executing" in out, out
                parent = http(dockerd_sock, "GET", f"{API}/images/{got}/json").json()["Parent"]
                assert parent.split(":", 1)[1][:12] in stage_ends[:i], out
        else:
            assert got == bases[ALIASES.get(expected, expected)][:12], (expected, out)

    # COPY --from: the file came from the image the reader names, or a stage.
    copy_images = [v for k, v, ob in row["refs"] if k == "copyFrom" and not ob]
    for path, source in case.copied.items():
        content = read_file(dockerd_sock, built_id(out), path)
        if source.startswith("stage:"):
            assert content == source[len("stage:"):]
        else:
            assert source in copy_images
            assert content == BASES[ALIASES.get(source, source)]
    assert sorted(copy_images) == sorted(s for s in case.copied.values() if not s.startswith("stage:"))

    # ONBUILD: stored, and run in a child build with the reader's image.
    onbuild_images = [v for k, v, ob in row["refs"] if k == "copyFrom" and ob]
    # (in a child build, any --from but an index may name an image)
    assert sorted(onbuild_images) == sorted(re.findall(r"ONBUILD COPY --from=(\S+)", case.dockerfile))
    if case.onbuild_child:
        r = http(dockerd_sock, "GET", f"{API}/images/{tag}/json")
        assert r.json()["Config"]["OnBuild"], r
        child = f"swtest/df-child-{unique('c')}:1"
        out, error = build(dockerd_sock, {"Dockerfile": f"FROM {tag}\n".encode()}, tag=child)
        assert error is None, (error, out)
        built_images.append(child)
        for path, source in case.onbuild_child.items():
            assert source in onbuild_images
            assert read_file(dockerd_sock, built_id(out), path) == BASES[source]
