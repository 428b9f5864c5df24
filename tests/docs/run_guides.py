#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The doc test: every ```sh runnable block of docs/guides/*.md is run, in order, against a fresh test
# instance of the shipped sgdns.json per guide (bash -euo pipefail), so the guides cannot rot. A guide
# without a runnable block fails too: it would be a guide nobody checks.
# Usage: run_guides.py --binary build/sgdns --repo .
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sgdns_instance import Sgdns, free_port, shipped_config  # noqa: E402

BLOCK = re.compile(r"^```sh runnable\n(.*?)^```", re.S | re.M)
GUIDES = ("global-scaling", "multi-region", "cdn", "disaster-recovery", "best-practices")


def run_guide(binary, repo, path):
    text = open(path).read()
    blocks = BLOCK.findall(text)
    if not blocks:
        return [f"{path}: no ```sh runnable block"]
    problems = []
    with tempfile.TemporaryDirectory(prefix="sgdns-guide-") as folder:
        work = os.path.join(folder, "work")
        os.makedirs(work)
        config = shipped_config(repo, folder, free_port(), free_port())
        with Sgdns(binary, folder, config) as server:
            with open(os.path.join(work, "sgdns.pid"), "w") as f:
                f.write(str(server.proc.pid))
            env = dict(os.environ, SGDNS=binary, CONFIG=server.config_path, PORT=str(server.dns_port),
                       ADMIN=f"127.0.0.1:{server.admin_port}", TOKEN_FILE=config["admin"]["token_file"],
                       REPO=repo, WORK=work)
            for i, block in enumerate(blocks, 1):
                line = text[: text.index(block)].count("\n") + 1
                run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env, cwd=work,
                                     capture_output=True, text=True, timeout=120)
                status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
                print(f"{os.path.relpath(path, repo)}:{line}: block {i}: {status}")
                if run.returncode != 0:
                    problems.append(f"{path}:{line}: block {i} exited {run.returncode}\n--- block\n{block}"
                                    f"--- stdout\n{run.stdout}--- stderr\n{run.stderr}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    binary, repo = os.path.abspath(a.binary), os.path.abspath(a.repo)
    guides = sorted(glob.glob(os.path.join(repo, "docs", "guides", "*.md")))
    problems = []
    names = {os.path.basename(g)[:-3] for g in guides}
    for g in GUIDES:
        if g not in names:
            problems.append(f"docs/guides/{g}.md is missing")
    for path in guides:
        if os.path.basename(path) != "README.md":
            problems.extend(run_guide(binary, repo, path))
    for p in problems:
        print(p)
    print("guides: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
