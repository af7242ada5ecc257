#!/usr/bin/env python3
"""Turns bench/run's raw lines into the markdown report (bench/results/latest.md).

Usage: report.py META_FILE RESULTS_FILE
RESULTS_FILE lines: CASE<TAB>TARGET<TAB>key=value key=value ...
With several rounds, the best round of each case and target is shown, and
each ratio target also lists its ratio in every round (sockwarden's round k
against the other target's round k, measured minutes apart rather than
tens of minutes), with how many rounds meet it: a target met by the best
rounds but not by most is within the machine's noise.
"""
import sys

TARGETS = ["direct", "relay", "socat", "haproxy", "sockwarden"]
RR_CASES = ["ping-1", "ping-16", "ping-64", "create-1", "create-16"]
STREAM_CASES = ["download-length", "download-chunked", "upload-length", "upload-chunked"]
MODES = ["same", "split", "none"]
MODE_TITLE = {"same": "all on one CPU", "split": "the proxy on its own CPU", "none": "unpinned"}
KSTACK_KB = 16  # x86_64 and arm64 kernel stack per thread (THREAD_SIZE)


def parse(path, rounds=None):
    """The best row of each (case, target); `rounds`, when given, gets every
    row of each (case, target) in the order of the file (round 1, 2, …)."""
    rows = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        case, target, kv = parts
        d = {}
        for item in kv.split():
            k, _, v = item.partition("=")
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
        d["ok"] = "failed" not in d and d.get("errors", 0) == 0 and ("requests" in d or "bytes" in d or "conns" in d)
        if rounds is not None:
            rounds.setdefault((case, target), []).append(d)
        best = rows.get((case, target))
        score = d.get("rps", d.get("mib_s", 0)) if d["ok"] else -1
        if best is None or score > best["_score"]:
            d["_score"] = score
            rows[(case, target)] = d
    return rows


def fmt(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def mem_total_kb(d, phase="used"):
    return d[f"{phase}_pss_kb"] + d[f"{phase}_pte_kb"] + d[f"{phase}_threads"] * KSTACK_KB


def main():
    meta = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
    all_rounds = {}
    rows = parse(sys.argv[2], all_rounds)
    out = []
    w = out.append
    w("# Benchmark results")
    w("")
    w("Produced by `bench/run`; how to read it: [bench/README.md](../README.md).")
    w("")
    for m in meta:
        k, _, v = m.partition("=")
        w(f"- **{k}**: {v}")
    w("")

    present = [t for t in TARGETS if any(k[1] == t for k in rows)]

    modes = [m for m in MODES if any(k[0].endswith("@" + m) for k in rows)]
    for mode in modes:
        w(f"## Request/response, {MODE_TITLE[mode]}")
        w("")
        w("Keep-alive connections, one request in flight on each (the number after the case name). req/s counts "
          "answers completed in the measured window; latency is per request; CPU is the proxy's own (its process "
          "tree's utime+stime) in that window, per request, and its share of one CPU.")
        w("")
        w("| case | target | req/s | p50 µs | p99 µs | proxy CPU µs/req | proxy CPU use |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for case in RR_CASES:
            for t in present:
                d = rows.get((f"{case}@{mode}", t))
                if d is None:
                    continue
                if not d["ok"]:
                    w(f"| {case} | {t} | **failed** ({fmt(d.get('errors'))} wrong answers) | | | | |")
                    continue
                cpu = "–" if t == "direct" else fmt(d["cpu_us_per_req"], 1)
                util = "–" if t == "direct" else f"{d['cpu_util'] * 100:.0f}%"
                w(f"| {case} | {t} | {fmt(d['rps'])} | {fmt(d['p50_us'], 1)} | {fmt(d['p99_us'], 1)} | {cpu} | {util} |")
        w("")

    if any(k[0] in STREAM_CASES for k in rows):
        w("## Streams")
        w("")
        w("One connection; the body through `/containers/{id}/archive` (GET: download, PUT: upload), with "
          "Content-Length or in 32 KiB chunks.")
        w("")
        w("| case | target | MiB/s | proxy CPU s/GiB |")
        w("| --- | --- | ---: | ---: |")
        for case in STREAM_CASES:
            for t in present:
                d = rows.get((case, t))
                if d is None:
                    continue
                if not d["ok"]:
                    w(f"| {case} | {t} | **failed** | |")
                    continue
                cpu = "–" if t == "direct" else fmt(d["cpu_s_per_gib"], 2)
                w(f"| {case} | {t} | {fmt(d['mib_s'])} | {cpu} |")
        w("")

    if any(k[0] == "idle" for k in rows):
        w("## Idle connections")
        w("")
        w("Opened and held on fresh processes, then one `GET /_ping` on each, then a second one after the memory "
          "sample. Memory is the proxy's process tree while the connections are held after their first request: "
          "PSS (shared pages split among the processes sharing them) + page tables + one 16 KiB kernel stack per "
          "thread. *Before* is the same sum before the first connection.")
        w("")
        w("| target | answered (1st, 2nd) | processes | threads | PSS MiB | page tables MiB | kernel stacks MiB | "
          "**total MiB** | before MiB | RSS sum MiB |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for t in present:
            d = rows.get(("idle", t))
            if d is None:
                continue
            ans = f"{fmt(d.get('answered1'))}, {fmt(d.get('answered2'))} of {fmt(d.get('conns'))}"
            if t == "direct":
                w(f"| {t} | {ans} | – | – | – | – | – | – | – | – |")
                continue
            mib = lambda kb: f"{kb / 1024:,.1f}"
            w(f"| {t} | {ans} | {fmt(d['used_procs'])} | {fmt(d['used_threads'])} | {mib(d['used_pss_kb'])} | "
              f"{mib(d['used_pte_kb'])} | {mib(d['used_threads'] * KSTACK_KB)} | **{mib(mem_total_kb(d))}** | "
              f"{mib(mem_total_kb(d, 'base'))} | {mib(d['used_rss_kb'])} |")
        w("")
        w("Just after connecting (before any request) the totals were: " + ", ".join(
            f"{t} {mem_total_kb(rows[('idle', t)], 'conn') / 1024:,.1f} MiB" for t in present
            if t != "direct" and ("idle", t) in rows) + ".")
        w("")

    # ---- targets ----
    w("## Targets (ratios from this run)")
    w("")
    verdicts = []
    below_floor = []
    # Per target with several rounds: how many of them meet it, of how many.
    round_counts = []

    def per_round(case, key, other, meets):
        """`key`'s ratio of sockwarden to `other` in each round both have, and
        how many meet the target: a note, or "" with one round."""
        mine, theirs = all_rounds.get((case, "sockwarden"), []), all_rounds.get((case, other), [])
        ratios = [a[key] / b[key] for a, b in zip(mine, theirs) if a["ok"] and b["ok"] and b.get(key)]
        if len(ratios) < 2:
            return ""
        met = sum(1 for r in ratios if meets(r))
        round_counts.append((met, len(ratios)))
        return f"; by round {', '.join(f'{r:.2f}×' for r in ratios)} ({met} of {len(ratios)} meet it)"

    def line(ok, text, floor=None, rounds=""):
        """floor: (the relay's ratio, whether the relay meets the same target)."""
        verdicts.append(ok)
        note = rounds
        if floor is not None:
            ratio, relay_ok = floor
            note += f"; {floor_name}, which only relays, {ratio:.2f}×"
            if not relay_ok:
                note += " (misses it too)"
                if not ok:
                    below_floor.append(text)
        w(f"- **{'PASS' if ok else 'MISS'}** {text}{note}")

    sw = lambda c: rows.get((c, "sockwarden"))
    hp = lambda c: rows.get((c, "haproxy"))
    sc = lambda c: rows.get((c, "socat"))
    # The floor: bench/src/relay.c (one epoll thread copying bytes), or socat
    # in a run without it.
    floor_name = "relay" if any(k[1] == "relay" for k in rows) else "socat"
    fl = lambda c: rows.get((c, floor_name))
    for mode in modes:
        for base in RR_CASES:
            case = f"{base}@{mode}"
            label = f"{base} ({MODE_TITLE[mode]})"
            s, h = sw(case), hp(case)
            if not s or not h:
                continue
            if not s["ok"] or not h["ok"]:
                who = "sockwarden" if not s["ok"] else "haproxy"
                line(False, f"{label}: {who} gave {fmt((s if not s['ok'] else h).get('errors'))} wrong answers; no ratio")
                continue
            o = fl(case)
            relay = o if o and o["ok"] else None
            r = s["rps"] / h["rps"]
            floor = (relay["rps"] / h["rps"], relay["rps"] / h["rps"] >= 2) if relay else None
            line(r >= 2, f"{label} throughput: sockwarden {fmt(s['rps'])} req/s = **{r:.2f}×** HAProxy's "
                         f"{fmt(h['rps'])} (target ≥ 2×)", floor, per_round(case, "rps", "haproxy", lambda x: x >= 2))
            c = s["cpu_us_per_req"] / h["cpu_us_per_req"] if h["cpu_us_per_req"] else float("inf")
            oc = relay["cpu_us_per_req"] / h["cpu_us_per_req"] if relay and h["cpu_us_per_req"] else None
            line(c <= 0.5, f"{label} CPU per request: sockwarden {fmt(s['cpu_us_per_req'], 1)} µs = **{c:.2f}×** "
                           f"HAProxy's {fmt(h['cpu_us_per_req'], 1)} µs (target ≤ 0.5×)",
                 (oc, oc <= 0.5) if oc is not None else None,
                 per_round(case, "cpu_us_per_req", "haproxy", lambda x: x <= 0.5))
    for case in STREAM_CASES:
        s, o = sw(case), sc(case)
        if not s or not o:
            continue
        if not s["ok"] or not o["ok"]:
            line(False, f"{case}: {'sockwarden' if not s['ok'] else 'socat'} failed; no ratio")
            continue
        r = s["mib_s"] / o["mib_s"]
        line(r >= 1, f"{case} throughput: sockwarden {fmt(s['mib_s'])} MiB/s = **{r:.2f}×** socat's "
                     f"{fmt(o['mib_s'])} (target ≥ 1×)", rounds=per_round(case, "mib_s", "socat", lambda x: x >= 1))
    s, h = sw("idle"), hp("idle")
    if s and h:
        usable = s.get("answered1") == s.get("conns") and s.get("answered2") == s.get("conns")
        line(usable, f"idle: sockwarden answered {fmt(s.get('answered1'))} and {fmt(s.get('answered2'))} "
                     f"of {fmt(s.get('conns'))} held connections (target: all)")
        if "used_pss_kb" in s and "used_pss_kb" in h:
            ms, mh = mem_total_kb(s), mem_total_kb(h)
            line(ms < mh, f"idle memory: sockwarden {ms / 1024:,.1f} MiB = **{ms / mh:.2f}×** HAProxy's "
                          f"{mh / 1024:,.1f} MiB with {fmt(s.get('conns'))} connections held (target < 1×)")
    w("")
    w(f"{sum(verdicts)} of {len(verdicts)} targets met.")
    if round_counts:
        every = sum(1 for met, n in round_counts if met == n)
        some = sum(1 for met, n in round_counts if 0 < met < n)
        w("")
        w(f"Round by round: {every} of the {len(round_counts)} ratio targets are met in every round, "
          f"{some} in some rounds only (those move with the machine's noise), "
          f"{len(round_counts) - every - some} in none.")
    if below_floor:
        w("")
        what = ("the relay (bench/src/relay.c) copies each request and answer through one epoll thread and does "
                "nothing else" if floor_name == "relay" else
                "socat copies each request and answer and does nothing else")
        w(f"{len(below_floor)} of the {len(verdicts) - sum(verdicts)} missed targets are missed by {floor_name} too in "
          f"this run: {what} (no parsing, judging or audit log), so no proxy that relays the bytes through user "
          "space reaches them on this machine.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
