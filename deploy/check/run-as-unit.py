#!/usr/bin/python3
"""Runs the ExecStart= of deploy/sockwarden.service the way systemd would,
on a machine where systemd is not PID 1 (containers, CI sandboxes), so the
unit's sandbox can be tested without starting the unit.

    run-as-unit.py UNIT --uid N --gid N --docker-gid N --map FROM=TO ... [--log FILE]

Emulated (from the unit file, not hard-coded):
  User=/Group=/SupplementaryGroups=  as --uid/--gid/--docker-gid (numbers, so no
                                     user has to be created)
  ExecStart=                         exactly, after the --map path substitutions
  NoNewPrivileges=, CapabilityBoundingSet=, AmbientCapabilities=   (setpriv)
  UMask=, LimitNOFILE=
  ProtectSystem=strict               every mount read-only, except the mapped
                                     RuntimeDirectory= and LogsDirectory=
  ReadOnlyPaths=/proc, ProtectKernelTunables= (/proc and /sys read-only)
  PrivateNetwork=, PrivateIPC=, ProtectHostname=   (new net, ipc, uts namespaces)
  SystemCallFilter=, SystemCallErrorNumber=, RestrictAddressFamilies=,
  MemoryDenyWriteExecute=           (seccomp, through Debian's python3-seccomp;
                                     skipped with a warning when it is missing)
Not emulated: DevicePolicy=, RestrictNamespaces=, LockPersonality=,
RestrictRealtime=, RestrictSUIDSGID=, TasksMax=, IPAddressDeny= (moot in a
private network namespace), KeyringMode=, RemoveIPC=.

Stages: (1) as root, outside: parse, then re-exec itself under
`unshare --mount --net --ipc --uts`; (2) inside: remount, rlimit, umask, then
exec setpriv (ids, capabilities, no_new_privs) on (3) itself, which loads the
seccomp filter and execs the command. Needs root, util-linux (unshare,
setpriv) and, for the filter, /usr/bin/python3 with python3-seccomp.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.abspath(__file__)


def parse_unit(path: str) -> dict[str, list[str]]:
    """[Service] settings: name -> values in order (continuation lines joined)."""
    text = open(path).read().replace("\\\n", " ")
    section, out = None, {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section != "[Service]":
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def last(unit: dict, key: str, default: str | None = None) -> str | None:
    return unit.get(key, [default])[-1]


def capabilities(unit: dict, key: str) -> list[str]:
    caps = " ".join(unit.get(key, [])).split()
    return [c.lower().removeprefix("cap_") for c in caps]


def expand_group(name: str, seen: set[str] | None = None) -> set[str]:
    """The syscalls of a systemd group (@name), nested groups included."""
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True)
    calls: set[str] = set()
    for line in out.stdout.splitlines()[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        calls |= expand_group(item, seen) if item.startswith("@") else {item}
    return calls


def syscall_allow_list(unit: dict) -> set[str]:
    """SystemCallFilter= lines in order: an allow list, then ~ removals."""
    allowed: set[str] | None = None
    for value in unit.get("SystemCallFilter", []):
        negate = value.startswith("~")
        names = value.lstrip("~").split()
        calls: set[str] = set()
        for n in names:
            calls |= expand_group(n) if n.startswith("@") else {n}
        if negate:
            if allowed is None:
                raise SystemExit("run-as-unit: a deny-list SystemCallFilter= first is not emulated")
            allowed -= calls
        else:
            allowed = calls if allowed is None else allowed | calls
    return allowed or set()


# --------------------------------------------------------------------------
# stage 1: outside
# --------------------------------------------------------------------------


def stage_outside(args) -> int:
    unit = parse_unit(args.unit)
    mapping = [m.split("=", 1) for m in args.map]

    def mapped(text: str) -> str:
        for src, dst in mapping:
            text = text.replace(src, dst)
        return text

    exec_start = mapped(last(unit, "ExecStart"))
    writable = []
    for key, base in (("RuntimeDirectory", "/run/"), ("LogsDirectory", "/var/log/"),
                      ("StateDirectory", "/var/lib/"), ("ReadWritePaths", "")):
        for value in unit.get(key, []):
            for d in value.split():
                # "-PATH": ignored when PATH does not exist (systemd's meaning).
                optional = not base and d.startswith("-")
                d = d[1:] if optional else d
                path = mapped(base + d if base else d)
                if optional and not os.path.isdir(path):
                    continue
                writable.append(path)
                mode = int(last(unit, key + "Mode", "0755"), 8) if base else None
                os.makedirs(path, exist_ok=True)
                if base:
                    os.chown(path, args.uid, args.gid)
                    os.chmod(path, mode)
    plan = {
        "argv": shlex.split(exec_start),
        "uid": args.uid, "gid": args.gid,
        "groups": [args.docker_gid] if "SupplementaryGroups" in unit else [],
        "nnp": last(unit, "NoNewPrivileges", "no") == "yes",
        "bounding": capabilities(unit, "CapabilityBoundingSet"),
        "ambient": capabilities(unit, "AmbientCapabilities"),
        "umask": int(last(unit, "UMask", "0022"), 8),
        "nofile": int(last(unit, "LimitNOFILE", "1024").split(":")[0]),
        "strict": last(unit, "ProtectSystem") == "strict",
        "writable": writable,
        "readonly": [p for v in unit.get("ReadOnlyPaths", []) for p in v.split()]
        + (["/proc/sys", "/sys"] if last(unit, "ProtectKernelTunables") == "yes" else []),
        "syscalls": sorted(syscall_allow_list(unit)),
        "errno": last(unit, "SystemCallErrorNumber", "EPERM"),
        "families": " ".join(unit.get("RestrictAddressFamilies", [])).split(),
        "mdwe": last(unit, "MemoryDenyWriteExecute") == "yes",
    }
    namespaces = ["--mount", "--propagation", "slave"]
    if last(unit, "PrivateNetwork") == "yes":
        namespaces.append("--net")
    if last(unit, "PrivateIPC") == "yes":
        namespaces.append("--ipc")
    if last(unit, "ProtectHostname") == "yes":
        namespaces.append("--uts")
    print(f"run-as-unit: ExecStart: {shlex.join(plan['argv'])}", file=sys.stderr)
    print(f"run-as-unit: uid {args.uid} gid {args.gid} groups {plan['groups']} caps {plan['ambient']} "
          f"namespaces {namespaces[3:]} read-only / ({plan['strict']}) writable {writable} "
          f"{len(plan['syscalls'])} syscalls allowed", file=sys.stderr)
    os.execvp("unshare", ["unshare", *namespaces, sys.executable, HERE, "--stage", "inside",
                          "--plan", json.dumps(plan)])


# --------------------------------------------------------------------------
# stage 2: inside the namespaces, still root
# --------------------------------------------------------------------------


def mount_points() -> list[str]:
    points = []
    for line in open("/proc/self/mountinfo"):
        mp = line.split()[4].encode().decode("unicode_escape")
        points.append(mp)
    return points


def stage_inside(plan: dict) -> int:
    def run(*argv):
        subprocess.run(argv, check=True)

    if plan["strict"]:
        for mp in mount_points():
            if mp == "/proc" or mp.startswith(("/proc/", "/sys", "/dev")):
                continue
            subprocess.run(["mount", "-o", "remount,bind,ro", mp], capture_output=True)
        for path in plan["writable"]:
            run("mount", "--bind", path, path)
            run("mount", "-o", "remount,bind,rw", path)
    for path in plan["readonly"]:
        if os.path.exists(path):
            run("mount", "--bind", path, path)
            run("mount", "-o", "remount,bind,ro", path)
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (plan["nofile"], plan["nofile"]))
    os.umask(plan["umask"])
    caps = ",".join("+" + c for c in plan["ambient"])
    setpriv = ["setpriv", f"--reuid={plan['uid']}", f"--regid={plan['gid']}",
               "--groups=" + ",".join(str(g) for g in plan["groups"]) if plan["groups"] else "--clear-groups",
               f"--inh-caps=-all{',' + caps if caps else ''}",
               f"--ambient-caps=-all{',' + caps if caps else ''}",
               "--bounding-set=-all" + "".join(",+" + c for c in plan["bounding"])]
    if plan["nnp"]:
        setpriv.append("--no-new-privs")
    os.execvp("setpriv", setpriv + [sys.executable, HERE, "--stage", "filter", "--plan", json.dumps(plan)])


# --------------------------------------------------------------------------
# stage 3: the service's identity; load the filter, exec the command
# --------------------------------------------------------------------------


def stage_filter(plan: dict) -> int:
    try:
        import seccomp  # Debian: python3-seccomp
    except ImportError:
        print("run-as-unit: WARNING: python3-seccomp is missing: SystemCallFilter=, RestrictAddressFamilies= "
              "and MemoryDenyWriteExecute= are NOT applied", file=sys.stderr)
        os.execvp(plan["argv"][0], plan["argv"])
    code = getattr(errno, plan["errno"])
    f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(code))
    special = {"socket", "mmap", "mprotect", "pkey_mprotect"}
    for name in plan["syscalls"] + ["execve"]:
        if name in special:
            continue
        try:
            f.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall on this architecture
    families = [f_ for f_ in plan["families"] if not f_.startswith("~")]
    if families and "socket" in plan["syscalls"]:
        import socket as pysocket
        for fam in families:
            f.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, getattr(pysocket, fam)))
        # Other families: EAFNOSUPPORT, as systemd answers.
        for fam in range(0, 64):
            if fam not in [getattr(pysocket, x) for x in families]:
                f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, fam))
    elif "socket" in plan["syscalls"]:
        f.add_rule(seccomp.ALLOW, "socket")
    wx = 0x2 | 0x4  # PROT_WRITE | PROT_EXEC
    for name in ("mmap", "mprotect", "pkey_mprotect"):
        if name not in plan["syscalls"]:
            continue
        if plan["mdwe"]:
            # Allowed unless both PROT_WRITE and PROT_EXEC are asked for.
            for ok in (0, 0x2, 0x4):
                f.add_rule(seccomp.ALLOW, name, seccomp.Arg(2, seccomp.MASKED_EQ, wx, ok))
        else:
            f.add_rule(seccomp.ALLOW, name)
    f.load()
    os.execvp(plan["argv"][0], plan["argv"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("unit", nargs="?")
    ap.add_argument("--uid", type=int)
    ap.add_argument("--gid", type=int)
    ap.add_argument("--docker-gid", type=int)
    ap.add_argument("--map", action="append", default=[], help="FROM=TO path substitution")
    ap.add_argument("--stage", default="outside")
    ap.add_argument("--plan")
    args = ap.parse_args()
    if args.stage == "outside":
        if os.geteuid() != 0:
            raise SystemExit("run-as-unit: needs root (namespaces, mounts, setpriv)")
        return stage_outside(args)
    plan = json.loads(args.plan)
    return stage_inside(plan) if args.stage == "inside" else stage_filter(plan)


if __name__ == "__main__":
    sys.exit(main())
