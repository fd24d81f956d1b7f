#!/usr/bin/env python3
"""ctest bench_smoke: piao-bench --json at tiny sizes prints one JSON object with every field of issue 14.

A correctness smoke of the harness (PostgreSQL started and stopped, services spawned, every comparison run),
never a timing check: each number only has to be a non-negative number.
"""
import json
import subprocess
import sys

FIELDS = {
    "p1_library": ["batch", "appenders", "store", "postgres", "raw_rocksdb"],
    "p1_grpc": ["batch", "appenders", "service", "postgres"],
    "relay": ["events_per_s", "raw_produce_per_s"],
    "p2": ["apply_per_s", "raw_consume_per_s"],
    "rebuild": ["events_1m_s", "events_2m_s"],
    "p3": ["tree_ms", "tree_uncached_ms", "raw_scan_ms"],
    "p4": ["p50_ms", "p99_ms"],
    "rss_mib": ["planning", "measurement", "projection"],
}


def number(where, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        sys.exit(f"bench_smoke: {where} is not a non-negative number: {value!r}")


def main():
    bench = sys.argv[1]
    out = subprocess.run(
        [bench, "--json", "--seconds", "0.2", "--relay-events", "300", "--p2-events", "600",
         "--rebuild-events", "800", "--tree-repetitions", "3", "--p4-seconds", "0.5", "--p4-rate", "40"],
        check=True, stdout=subprocess.PIPE, timeout=540).stdout
    result = json.loads(out)
    for section, fields in FIELDS.items():
        rows = result[section] if isinstance(result[section], list) else [result[section]]
        if not rows:
            sys.exit(f"bench_smoke: {section} is empty")
        for row in rows:
            for f in fields:
                number(f"{section}.{f}", row[f])
    combos = {(r["batch"], r["appenders"]) for r in result["p1_library"]}
    want = {(b, a) for b in (1, 10, 100) for a in (1, 16)}
    if combos != want:
        sys.exit(f"bench_smoke: p1_library rows {sorted(combos)}, want {sorted(want)}")
    if {r["appenders"] for r in result["p1_grpc"]} != {1, 16}:
        sys.exit("bench_smoke: p1_grpc needs 1 and 16 clients")
    if len(result["targets"]) != 8:
        sys.exit("bench_smoke: 8 targets expected")
    print("bench_smoke: every field present: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
