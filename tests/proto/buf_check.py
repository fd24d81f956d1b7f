#!/usr/bin/env python3
"""The protos' lint and their wire/JSON compatibility with the last release, with buf (ctest proto_buf_check).

  buf_check.py SOURCE_DIR

1. buf is the version pinned in tools/npm/package.json, installed by `tools/dev deps` into $PIAO_NPM_DIR
   (default ~/.cache/piao-npm). Missing or another version is a FAILURE naming `tools/dev deps`, never a skip.
2. `buf lint` of proto/ with proto/buf.yaml (STANDARD, the exceptions listed there with their reasons).
3. `buf breaking` of proto/ against proto/baseline/last-release.binpb (WIRE_JSON): the image of the protos as
   last released. A release rebuilds it (docs/API.md, "Compatibility").
4. The checks can fail: on a copy of proto/, a renumbered envelope field and a renamed request field (JSON
   name) must each be reported as breaking, and a badly named message as a lint error.
Prints one line per check and 'N passed, N failed'; exits non-zero on any failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BASELINE = os.path.join("baseline", "last-release.binpb")
failures = []
passed = 0


def check(ok, what, detail=""):
    global passed
    if ok:
        passed += 1
        print(f"ok    {what}")
    else:
        failures.append(what)
        print(f"FAIL  {what}")
        if detail:
            print("      " + detail.strip().replace("\n", "\n      "))


def run(buf, args, cwd):
    p = subprocess.run([buf] + args, cwd=cwd, capture_output=True, text=True, timeout=300)
    return p.returncode, (p.stdout + p.stderr).strip()


def find_buf(src):
    with open(os.path.join(src, "tools", "npm", "package.json"), encoding="utf-8") as f:
        pinned = json.load(f)["dependencies"]["@bufbuild/buf"]
    npm_dir = os.environ.get("PIAO_NPM_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "piao-npm")
    buf = os.path.join(npm_dir, "node_modules", ".bin", "buf")
    if not os.access(buf, os.X_OK):
        return None, f"buf {pinned} is not installed ({buf} missing): run `tools/dev deps`"
    try:
        p = subprocess.run([buf, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        return None, f"{buf} does not run ({e}): run `tools/dev deps`"
    version = (p.stdout + p.stderr).strip()
    if p.returncode != 0 or version != pinned:
        return None, f"{buf} reports '{version}', tools/npm/package.json pins {pinned}: run `tools/dev deps`"
    return buf, f"buf {version} at {buf}"


def mutated_copy(proto_dir, tmp, name, rel, old, new):
    """A copy of proto/ with `old` replaced by `new` (exactly once) in `rel`."""
    dst = os.path.join(tmp, name)
    shutil.copytree(proto_dir, dst)
    path = os.path.join(dst, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        return None, f"{rel} no longer contains '{old}' exactly once: update this self-check"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))
    return dst, ""


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    src = os.path.abspath(sys.argv[1])
    proto_dir = os.path.join(src, "proto")

    buf, how = find_buf(src)
    check(buf is not None, "buf is installed at the pinned version", "" if buf else how)
    if buf is None:
        print(f"\n{passed} passed, {len(failures)} failed")
        return 1
    print(f"      {how}")

    check(os.path.isfile(os.path.join(proto_dir, "buf.yaml")), "proto/buf.yaml exists")
    check(os.path.isfile(os.path.join(proto_dir, BASELINE)), f"proto/{BASELINE} exists")

    code, out = run(buf, ["lint"], proto_dir)
    check(code == 0, "buf lint proto/ (STANDARD, exceptions in proto/buf.yaml)", out)

    code, out = run(buf, ["breaking", "--against", BASELINE], proto_dir)
    check(code == 0, f"buf breaking proto/ against proto/{BASELINE} (WIRE_JSON)", out)

    # The checks above can fail: known breaking changes and a known lint error are reported.
    with tempfile.TemporaryDirectory(prefix="piao-buf-") as tmp:
        cases = [
            ("renumbered", "piao/v1/event.proto", "uint64 global_position = 5;", "uint64 global_position = 55;",
             "breaking", r"global_position"),
            ("json-renamed", "piao/v1/command.proto", "string idempotency_key = 1", "string idem_key = 1",
             "breaking", r"idempotency_key|idemKey|idem_key"),
            ("lint-bad-name", "piao/v1/command.proto", "message CommandAck {",
             "message command_ack_v2 {}\n\nmessage CommandAck {", "lint", r"command_ack_v2"),
        ]
        for name, rel, old, new, kind, expect in cases:
            copy, problem = mutated_copy(proto_dir, tmp, name, rel, old, new)
            if copy is None:
                check(False, f"self-check {name}", problem)
                continue
            if kind == "breaking":
                args = ["breaking", "--against", os.path.join(proto_dir, BASELINE)]
            else:
                args = ["lint"]
            code, out = run(buf, args, copy)
            check(code != 0 and re.search(expect, out) is not None,
                  f"self-check: buf {kind} reports {name} ({rel}: {old!r} -> {new!r})",
                  f"exit {code}, output:\n{out}")

    print(f"\n{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
