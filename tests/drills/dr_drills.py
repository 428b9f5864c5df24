#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Disaster-recovery drills against the real binary on the shipped configuration (docs/guides/
# disaster-recovery.md quotes the figures each prints):
#   overrides  kill -9 during a stream of 1,000 acknowledged override writes: every acknowledged write is
#              there after the restart, and all 1,000 once the stream is finished
#   backup     `sgdns backup`, restored by copying into an empty folder and `sha256sum -c`: the restored
#              server answers every name exactly as the original, compared query by query
#   secondary  Knot and NSD as AXFR secondaries of sgdns keep answering after sgdns is killed (until their
#              SOA expire), NSD shown to stop at a short expire
#   region     a failed region (its edges stop accepting connections): every dynamic record's answers
#              leave it for the fallback within the failover budget
# Usage: dr_drills.py DRILL --binary build/sgdns --repo .
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sgdns_instance import Sgdns, free_port, shipped_config, wait_for  # noqa: E402

WRITES = 1000


def fail(message):
    print(f"drill: FAILED: {message}")
    sys.exit(1)


# --- overrides: kill -9 during acknowledged writes ------------------------------------------------------


def drill_members():
    """1,000 members in the benchmarking range (RFC 2544), never probed: a pool only for this drill."""
    return [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(WRITES)]


def stream_writes(server, members, todo, acked, stop_after):
    """PUTs one override per member in `todo` from 4 clients; each acknowledged write goes in `acked`
    (member -> reason). Stops sending once len(acked) reaches stop_after (in-flight writes continue)."""
    lock = threading.Lock()
    queue = list(todo)

    def client():
        while True:
            with lock:
                if not queue or len(acked) >= stop_after:
                    return
                member = queue.pop(0)
            reason = f"drill write {member}"
            try:
                status, _ = server.request("PUT", f"/v1/overrides/drill/{member}",
                                           {"state": "down", "reason": reason}, timeout=10)
            except OSError:
                return  # the server was killed under this request: not acknowledged
            if status == 200:
                with lock:
                    acked[member] = reason

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    return threads


def present(server):
    status, body = server.request("GET", "/v1/overrides")
    if status != 200:
        fail(f"GET /v1/overrides: {status}")
    return {o["member"]: o["reason"] for o in json.loads(body)["overrides"] if o["pool"] == "drill"}


def run_overrides(a, folder):
    config = shipped_config(a.repo, folder, free_port(), free_port())
    members = drill_members()
    config["pools"]["drill"] = {"members": members}
    config["records"]["drill.streamgate.example."] = {"types": ["A"], "ttl": 20, "policy": "failover",
                                                      "pools": ["drill"]}
    server = Sgdns(a.binary, folder, config).start()
    acked = {}
    start = time.monotonic()
    threads = stream_writes(server, members, members, acked, WRITES // 2)
    wait_for("half the writes acknowledged", lambda: len(acked) >= WRITES // 2, 120)
    server.kill(signal.SIGKILL)  # while the other clients' writes are in flight
    for t in threads:
        t.join()
    first = dict(acked)
    rate = len(first) / (time.monotonic() - start)
    server.start()
    after = present(server)
    lost = [m for m in first if after.get(m) != first[m]]
    if lost:
        fail(f"{len(lost)} acknowledged override(s) lost or changed by kill -9, e.g. {lost[:3]}")
    print(f"drill overrides: kill -9 after {len(first)} acknowledged writes ({rate:.0f} writes/s with fsync): "
          f"all {len(first)} present after restart ({len(after)} present: writes in flight may land too)")
    threads = stream_writes(server, members, [m for m in members if m not in acked], acked, WRITES)
    for t in threads:
        t.join()
    if len(acked) != WRITES:
        fail(f"only {len(acked)} of {WRITES} writes acknowledged")
    server.kill(signal.SIGKILL)  # straight after the last acknowledgement
    server.start()
    after = present(server)
    missing = [m for m in members if after.get(m) != acked[m]]
    server.kill()
    if missing:
        fail(f"{len(missing)} of {WRITES} acknowledged overrides missing after the second kill -9")
    print(f"drill overrides: all {WRITES} acknowledged overrides present after a second kill -9 and restart")


# --- backup and restore, compared query by query -------------------------------------------------------

# A client in each region of the shipped GeoIP data, and none (located by the resolver's 127.0.0.1).
SUBNETS = [None, "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "127.0.7.0/24", "2001:db8:5347:1::/64"]


def normalise(output):
    """kdig's reply as comparable text: status, flags and the sorted records of each section."""
    status = re.search(r"status: (\w+)", output)
    flags = re.search(r";; Flags: ([^;]*);", output)
    sections, current = {}, None
    for line in output.splitlines():
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            current = m.group(1)
            continue
        if current and line.strip() and not line.startswith(";"):
            sections.setdefault(current, []).append(" ".join(line.split()))
        elif not line.strip():
            current = None
    parts = [status.group(1) if status else "no reply", flags.group(1).strip() if flags else ""]
    for name in sorted(sections):
        if name in ("OPT", "EDNS"):
            continue
        parts.append(name + ": " + " | ".join(sorted(sections[name])))
    return "\n".join(parts)


def queries(server):
    """Every owner name of the zone (from AXFR) with each type it has and A, AAAA, TXT and MX, a name
    under each (NXDOMAIN or wildcard), and every dynamic record from every region's clients."""
    axfr = server.dig("streamgate.example.", "AXFR", "+noall", "+answer")
    names = {}
    for line in axfr.splitlines():
        f = line.split()
        if len(f) >= 4 and not line.startswith(";"):
            names.setdefault(f[0].lower(), set()).add(f[3])
    out = []
    for name, types in sorted(names.items()):
        for t in sorted(types | {"A", "AAAA", "TXT", "MX"}):
            out.append((name, t, None))
        out.append(("nx-drill." + name, "A", None))
    _, status = server.request("GET", "/v1/status")
    for record in json.loads(status)["records"]:
        for t in ("A", "AAAA"):
            for subnet in SUBNETS:
                out.append((record["name"], t, subnet))
    return out


def dynamic_names(server):
    if not hasattr(server, "dynamic"):
        _, status = server.request("GET", "/v1/status")
        server.dynamic = {r["name"] for r in json.loads(status)["records"]}
    return server.dynamic


def answer_set(server, q, rounds):
    """The distinct replies to `rounds` copies of one query (one kdig run, one reply per header)."""
    name, qtype, subnet = q
    extra = [f"+subnet={subnet}"] if subnet else []
    output = server.dig(*extra, *([name, qtype] * rounds))
    replies = output.split(";; ->>HEADER<<-")[1:]
    if len(replies) != rounds:
        fail(f"{q}: {len(replies)} replies to {rounds} queries")
    return {normalise(";; ->>HEADER<<-" + r) for r in replies}


def run_backup(a, folder):
    original_dir, backup_dir, restored_dir = (os.path.join(folder, d) for d in ("original", "backup", "restored"))
    config = shipped_config(a.repo, original_dir, free_port(), free_port())
    config["rrl"] = {"enabled": False}  # thousands of queries from one address
    # A database given as {"file", "fields"}: the backup copies the file and keeps the fields.
    dbs = config["geoip"]["databases"]
    dbs[0] = {"file": dbs[0], "fields": {"continent": "continent/code", "country": "country/iso_code",
                                         "subdivision": "subdivisions/0/iso_code",
                                         "latitude": "location/latitude", "longitude": "location/longitude"}}
    with Sgdns(a.binary, original_dir, config) as original:
        status, body = original.request("PUT", "/v1/overrides/edge-eu/192.0.2.201",
                                        {"state": "down", "reason": "backup drill: state must survive"})
        if status != 200:
            fail(f"PUT override: {status} {body}")
        start = time.monotonic()
        run = subprocess.run([a.binary, "backup", "--config", original.config_path, backup_dir],
                             capture_output=True, text=True)
        backup_ms = (time.monotonic() - start) * 1000
        print(run.stdout, end="")
        if run.returncode != 0:
            fail(f"sgdns backup: exit {run.returncode}: {run.stderr}")
        qs = queries(original)
        # A dynamic answer may be drawn at random (weighted pools, max_answers below the pool's size): each
        # is compared as the set of replies seen in 60 queries (a 20% choice is missed with p = 1.5e-6);
        # static names are compared reply for reply.
        before = {q: answer_set(original, q, 60 if q[2] or q[0] in dynamic_names(original) else 1) for q in qs}
    # Restore: an empty folder elsewhere, the copy, its checksums; then the same ports are not needed.
    start = time.monotonic()
    os.makedirs(restored_dir)
    shutil.copytree(backup_dir, restored_dir, dirs_exist_ok=True)
    verify = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=restored_dir, capture_output=True,
                            text=True)
    if verify.returncode != 0:
        fail(f"sha256sum -c: {verify.stdout}{verify.stderr}")
    with open(os.path.join(restored_dir, "sgdns.json")) as f:
        restored_config = json.load(f)
    restored_config["listen"] = [f"127.0.0.1:{free_port()}"]
    restored_config["admin"]["listen"] = f"127.0.0.1:{free_port()}"
    with open(os.path.join(restored_dir, "sgdns.json"), "w") as f:
        json.dump(restored_config, f)
    with open(os.path.join(restored_dir, "secrets", "token_file")) as f:
        token = f.read().strip()
    restored = Sgdns(a.binary, restored_dir, restored_config, token=token, write_token=False)
    with restored:
        restore_ms = (time.monotonic() - start) * 1000
        differ = []
        for q in qs:
            after = answer_set(restored, q, 60 if q[2] or q[0] in dynamic_names(restored) else 1)
            if after != before[q]:
                differ.append((q, before[q], after))
    for q, b, r in differ[:5]:
        print(f"drill backup: {q} differs:\n  before: {sorted(b)}\n  after:  {sorted(r)}")
    if differ:
        fail(f"{len(differ)} of {len(qs)} queries answered differently after the restore")
    print(f"drill backup: {len(qs)} queries answered identically by the restored copy; backup {backup_ms:.0f} ms, "
          f"restore (copy, sha256sum -c, start, ready) {restore_ms:.0f} ms")


# --- secondaries keep serving when the primary is lost -------------------------------------------------


def soa_serial(port, name="streamgate.example."):
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+short", "+time=1", "+retry=0", name, "SOA"],
                         capture_output=True, text=True).stdout.split()
    return out[2] if len(out) >= 3 else None


def status_of(port, name, qtype="A"):
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+time=1", "+retry=0", name, qtype],
                         capture_output=True, text=True).stdout
    m = re.search(r"status: (\w+)", out)
    return m.group(1) if m else "no reply"


def start_knot(folder, primary_port):
    port = free_port()
    os.makedirs(os.path.join(folder, "knot"), exist_ok=True)
    conf = os.path.join(folder, "knot", "knot.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    listen: 127.0.0.1@{port}
    rundir: {folder}/knot
database:
    storage: {folder}/knot
remote:
  - id: sgdns
    address: 127.0.0.1@{primary_port}
acl:
  - id: notify
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: {folder}/knot
zone:
  - domain: streamgate.example.
    master: sgdns
    acl: notify
""")
    proc = subprocess.Popen(["knotd", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(folder, "knot", "knot.log"), "wb"))
    return proc, port


def start_nsd(folder, primary_port):
    port = free_port()
    d = os.path.join(folder, "nsd")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    ip-address: 127.0.0.1@{port}
    username: ""
    zonesdir: "{d}"
    database: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    pidfile: "{d}/nsd.pid"
    logfile: "{d}/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: streamgate.example.
    zonefile: "streamgate.example.zone"
    request-xfr: AXFR 127.0.0.1@{primary_port} NOKEY
    allow-notify: 127.0.0.1 NOKEY
""")
    proc = subprocess.Popen(["nsd", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "stderr.log"), "wb"))
    return proc, port


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_secondary(a, folder):
    config = shipped_config(a.repo, folder, free_port(), free_port())
    zone = config["zones"][0]["file"]
    # A short SOA expire (refresh 2 s, retry 1 s, expire 15 s) so the drill shows when secondaries stop too.
    with open(zone) as f:
        text = f.read()
    text = re.sub(r"(\d+)(\s*; refresh[^\n]*\n\s*)(\d+)(\s*; retry[^\n]*\n\s*)(\d+)", r"\g<1>\g<2>1\g<4>15", text, count=1)
    text = re.sub(r"(\d+\s*; serial[^\n]*\n\s*)\d+", r"\g<1>2", text, count=1)
    with open(zone, "w") as f:
        f.write(text)
    server = Sgdns(a.binary, folder, config).start()
    serial = soa_serial(server.dns_port)
    # What a secondary holds: the zone's names as AXFR gives them (dynamic records' static fallbacks
    # included; a dynamic name with no record in the zone file is not in it).
    axfr = server.dig("streamgate.example.", "AXFR", "+noall", "+answer")
    names = sorted({line.split()[0].lower() for line in axfr.splitlines() if line and not line.startswith(";")})
    expected = {n: status_of(server.dns_port, n) for n in names}
    only_dynamic = sorted(dynamic_names(server) - set(names))
    knot, knot_port = start_knot(folder, server.dns_port)
    nsd, nsd_port = start_nsd(folder, server.dns_port)
    try:
        for label, port in (("knot", knot_port), ("nsd", nsd_port)):
            wait_for(f"{label} to transfer serial {serial}", lambda p=port: soa_serial(p) == serial, 30, 0.2)
        killed = time.monotonic()
        server.kill(signal.SIGKILL)
        if status_of(server.dns_port, names[0]) != "no reply":
            fail("the primary still answers after kill -9")
        # Past several refresh and retry periods without the primary, both still answer everything.
        time.sleep(0)  # the wait below is on observed answers
        wait_for("5 s without the primary", lambda: time.monotonic() - killed > 5, 10, 0.2)
        for label, port in (("knot", knot_port), ("nsd", nsd_port)):
            got = {n: status_of(port, n) for n in names}
            if got != expected:
                fail(f"{label} without its primary: {got}, expected {expected}")
        held = time.monotonic() - killed
        print(f"drill secondary: Knot and NSD answered all {len(names)} names of the zone {held:.1f} s after the "
              f"primary was killed (SOA refresh 2 s, retry 1 s: several failed refreshes)")
        for n in only_dynamic:
            print(f"drill secondary: {n} is dynamic with no record in the zone file: secondaries answer "
                  f"{status_of(knot_port, n)} for it (give it a static fallback in the zone)")
        # NSD honours the SOA expire: once it passes, the zone stops being served (SERVFAIL).
        wait_for("NSD to expire the zone", lambda: status_of(nsd_port, names[0], "SOA") == "SERVFAIL", 60, 0.5)
        expired = time.monotonic() - killed
        print(f"drill secondary: NSD stopped serving {expired:.1f} s after the primary was lost (SOA expire 15 s "
              f"counts from its last successful refresh)")
        if expired < 5:
            fail("NSD expired the zone before its expire time")
    finally:
        stop(knot)
        stop(nsd)
        server.kill()


# --- a failed region -------------------------------------------------------------------------------------

REGION_SUBNETS = {"eu-west": "192.0.2.0/24", "us-east": "198.51.100.0/24", "ap-south": "203.0.113.0/24",
                  "us-west": "127.0.7.0/24"}


def run_region(a, folder):
    """Every edge pool's members become loopback addresses with a listener each; the EU edges' listeners
    are closed at once (the region fails) and each record's answers must leave them."""
    config = shipped_config(a.repo, folder, free_port(), free_port())
    config["rrl"] = {"enabled": False}
    port = free_port()
    config["checks"] = {"edge": {"type": "tcp", "port": port}}  # the defaults: 1 s interval, fall 2
    listeners, dead = {}, set()
    for i, pool in enumerate(("edge-eu", "edge-us", "edge-usw", "edge-ap")):
        members = [f"127.0.{10 + i}.{m}" for m in (1, 2)]
        # An IPv4-mapped IPv6 member (RFC 4291 2.5.5.2) reaches the same loopback listener over AAAA.
        config["pools"][pool] = {"region": config["pools"][pool]["region"], "check": "edge",
                                 "members": members + [f"::ffff:127.0.{10 + i}.1"]}
        for address in members:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            s.listen(64)
            listeners[address] = s
        if pool == "edge-eu":
            dead = set(members) | {f"::ffff:127.0.{10 + i}.1"}
    with Sgdns(a.binary, folder, config) as server:
        records = json.loads(server.request("GET", "/v1/status")[1])["records"]
        budget = max(r["failover"]["budget_seconds"] for r in records if r.get("failover"))

        def answers():
            out = {}
            for r in records:
                for region, subnet in REGION_SUBNETS.items():
                    lines = server.dig(r["name"], "A", "+short", f"+subnet={subnet}").split()
                    out[(r["name"], region)] = set(lines)
            return out

        before = answers()
        touched = {k for k, v in before.items() if v & dead}
        if not touched:
            fail("no answer used the EU edges before the failure")
        ttl = max(int(line.split()[1]) for r in records for line in
                  server.dig(r["name"], "A", "+noall", "+answer", "+subnet=192.0.2.0/24").splitlines() if line)
        failed_at = time.monotonic()
        for address in dead:
            if address in listeners:
                listeners.pop(address).close()  # connections to it are now refused
        moved = {}

        def all_moved():
            now = answers()
            for k in touched:
                if k not in moved and now[k] and not now[k] & dead:
                    moved[k] = time.monotonic() - failed_at
            return len(moved) == len(touched)

        wait_for("every answer to leave the failed region", all_moved, budget + 10, 0.1)
        after = answers()
        for s in listeners.values():
            s.close()
    worst = max(moved.values())
    for (name, region), t in sorted(moved.items()):
        print(f"drill region: {name} for {region} clients moved to {sorted(after[(name, region)])} after {t:.2f} s")
    total = worst + ttl
    print(f"drill region: {len(touched)} answers left eu-west within {worst:.2f} s of the failure; plus the "
          f"{ttl} s TTL a resolver may hold: {total:.2f} s, budget {budget:.0f} s")
    if total > budget:
        fail(f"the failover took {total:.2f} s, over the {budget} s budget")


DRILLS = {"overrides": run_overrides, "backup": run_backup, "secondary": run_secondary, "region": run_region}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("drill", choices=sorted(DRILLS))
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    a.binary, a.repo = os.path.abspath(a.binary), os.path.abspath(a.repo)
    with tempfile.TemporaryDirectory(prefix=f"sgdns-drill-{a.drill}-") as folder:
        DRILLS[a.drill](a, folder)
    print(f"drill {a.drill}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
