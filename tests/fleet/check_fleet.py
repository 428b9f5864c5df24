#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The fleet against real processes: one etcd on loopback (temporary data directory, stopped by PID) and
# three sgdns sharing a key prefix. Overrides set through one instance reach the others within 1 s (median
# and max of 20 trials printed), expire with their lease, outlive an etcd outage (answers unchanged, writes
# 503, a restart served from the state-file cache) and converge when etcd is back; `sgdns ctl fleet` lists
# the three and flags one started with a different configuration; the shared health view drops a member
# two of three instances see down and keeps one only one sees down, and falls back to own probes without
# etcd. Exit 0 when all holds, else the first failure.
#
# Usage: check_fleet.py --binary SGDNS --repo DIR [--phase overrides|health] [--no-timing]
import argparse
import json
import os
import random
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sgdns_instance import Sgdns, free_port, shipped_config, wait_for  # noqa: E402

NAME = "fleet.streamgate.example."
MEMBERS = {"fl-a": "127.0.0.11", "fl-b": "127.0.0.12", "fl-c": "127.0.0.13"}
TRIALS = 20


class Etcd:
    """One etcd member on loopback ports with its own data directory; stop() by PID, start() again on the
    same directory (an outage and a return)."""

    def __init__(self, folder):
        self.folder = folder
        self.client_port, self.peer_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.client_port}"
        self.proc = None

    def start(self):
        peer = f"http://127.0.0.1:{self.peer_port}"
        self.log = open(os.path.join(self.folder, "etcd.log"), "ab")
        self.proc = subprocess.Popen(
            ["etcd", "--name", "t", "--data-dir", os.path.join(self.folder, "data"),
             "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"t={peer}", "--log-level", "warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("etcd to be healthy", self.healthy, 30)
        return self

    def healthy(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"etcd exited with {self.proc.returncode}; see {self.folder}/etcd.log")
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                return json.load(r).get("health") == "true"
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None

    def ctl(self, *args):
        out = subprocess.run(["etcdctl", "--endpoints", self.url, *args], capture_output=True, text=True,
                             timeout=30, env=dict(os.environ, ETCDCTL_API="3"))
        if out.returncode != 0:
            raise RuntimeError(f"etcdctl {' '.join(args)}: {out.stderr}")
        return out.stdout


class Proxy:
    """A TCP relay from a loopback port to etcd that the test can cut (every connection closed, new ones
    refused) and restore: a network partition between one instance and a live etcd."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        self.open = set()
        self.cut_off = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.cut_off:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                self.open.update({client, upstream})
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.cut_off = True
            for s in self.open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.open.clear()

    def restore(self):
        with self.lock:
            self.cut_off = False

    def close(self):
        self.cut()
        self.listener.close()


def query_a(port, name):
    """The A records of one UDP query to 127.0.0.1:port (a set of dotted quads), or None on no reply."""
    qid = random.randrange(65536)
    packet = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        packet += bytes([len(label)]) + label.encode()
    packet += b"\0" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.sendto(packet, ("127.0.0.1", port))
        try:
            reply = s.recv(4096)
        except socket.timeout:
            return None
    rid, _flags, qd, an = struct.unpack(">HHHH", reply[:8])
    if rid != qid:
        return None
    pos = 12

    def skip_name(p):
        while True:
            n = reply[p]
            if n == 0:
                return p + 1
            if n & 0xC0 == 0xC0:
                return p + 2
            p += n + 1

    for _ in range(qd):
        pos = skip_name(pos) + 4
    found = set()
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", reply[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            found.add(socket.inet_ntoa(reply[pos:pos + 4]))
        pos += rdlen
    return found


def config_for(repo, folder, etcd, prefix, instance, checks=None, shared_health=False, ttl=20, via=None):
    dns_port, admin_port = free_port(), free_port()
    c = shipped_config(repo, folder, dns_port, admin_port)
    c["identity"] = {"nsid": instance}
    c["fleet"] = {"endpoints": [via or etcd.url], "prefix": prefix}
    if shared_health:
        c["fleet"].update({"shared_health": True, "quorum": 2})
    for pool, address in MEMBERS.items():
        c["pools"][pool] = {"members": [address]}
        if checks:
            c["pools"][pool]["check"] = pool
    if checks:
        c["checks"] = {pool: {"type": "tcp", "port": port, "interval": "500ms", "timeout": "300ms"}
                       for pool, port in checks.items()}
    c["records"][NAME] = {"types": ["A"], "ttl": ttl, "policy": "multivalue", "pools": list(MEMBERS),
                          "max_answers": 8}
    return c


def status(inst):
    code, body = inst.request("GET", "/v1/status")
    assert code == 200, body
    return json.loads(body)


def wait_answer(instances, want, deadline_s=20.0, step_s=0.002):
    """Polls every instance until each answers exactly `want`; returns the seconds it took (the slowest)."""
    start = time.monotonic()
    wait_for(f"{[i.config['fleet'].get('instance', i.config['identity']['nsid']) for i in instances]} "
             f"to answer {sorted(want)}",
             lambda: all(query_a(i.dns_port, NAME) == want for i in instances), deadline_s, step_s)
    return time.monotonic() - start


def put(inst, pool, state, reason="test", expires=None):
    body = {"state": state, "reason": reason}
    if expires:
        body["expires"] = expires
    return inst.request("PUT", f"/v1/overrides/{pool}/{MEMBERS[pool]}", body)


def ctl_fleet(binary, inst):
    out = subprocess.run([binary, "ctl", "--admin", f"127.0.0.1:{inst.admin_port}", "fleet"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def overrides_phase(binary, repo, work, timing=True):
    os.makedirs(os.path.join(work, "etcd"))
    etcd = Etcd(os.path.join(work, "etcd")).start()
    prefix = f"/sgdns/test-{os.getpid()}"
    insts = []
    proxy = Proxy(etcd.client_port)  # ns3 reaches etcd through it: the partition below
    try:
        for n in (1, 2, 3):
            folder = os.path.join(work, f"ns{n}")
            via = proxy.url if n == 3 else None
            insts.append(Sgdns(binary, folder, config_for(repo, folder, etcd, prefix, f"ns{n}", via=via)).start())
        everyone = set(MEMBERS.values())
        wait_for("every instance connected", lambda: all(status(i)["fleet"]["connected"] for i in insts))
        wait_answer(insts, everyone)

        # Propagation: instance 1 writes, instances 2 and 3 are polled until both answer without the member.
        others = insts[1:]
        times = []
        for _ in range(TRIALS):
            start = time.monotonic()
            code, body = put(insts[0], "fl-a", "down", "propagation trial")
            assert code == 200, body
            wait_answer(others, everyone - {MEMBERS["fl-a"]}, 5.0)
            times.append(time.monotonic() - start)
            code, body = insts[0].request("DELETE", f"/v1/overrides/fl-a/{MEMBERS['fl-a']}")
            assert code == 200, body
            wait_answer(insts, everyone, 5.0)
        med, worst = statistics.median(times), max(times)
        print(f"propagation over {TRIALS} trials (PUT on ns1 -> ns2 and ns3 answer without the member): "
              f"median {med * 1000:.0f} ms, max {worst * 1000:.0f} ms")
        if timing:
            assert worst < 1.0, f"an override took {worst:.3f}s to reach every instance (limit 1s)"

        # The audit trail beside the override, read back with etcdctl (an independent client).
        put(insts[0], "fl-a", "down", "audit check")
        stored = json.loads(etcd.ctl("get", "--print-value-only", f"{prefix}/overrides/fl-a/{MEMBERS['fl-a']}"))
        assert stored["instance"] == "ns1" and stored["requester"].startswith("127.0.0.1"), stored
        assert stored["reason"] == "audit check" and stored["state"] == "down", stored
        audit = [json.loads(v) for v in etcd.ctl("get", "--print-value-only", "--prefix", f"{prefix}/audit/")
                 .splitlines() if v.strip()]
        assert len(audit) == 2 * TRIALS + 1, len(audit)
        assert audit[-1]["action"] == "set" and audit[-1]["instance"] == "ns1", audit[-1]
        insts[0].request("DELETE", f"/v1/overrides/fl-a/{MEMBERS['fl-a']}")
        wait_answer(insts, everyone)

        # Expiry is etcd's lease: every instance drops the override when it ends.
        code, body = put(insts[1], "fl-c", "down", "expiring", expires="3s")
        assert code == 200, body
        wait_answer(insts, everyone - {MEMBERS["fl-c"]}, 5.0)
        wait_answer(insts, everyone, 15.0)
        assert etcd.ctl("get", "--prefix", f"{prefix}/overrides/") == "", "the lease did not remove the key"
        print("expiry: an override with expires=3s dropped on every instance when its lease ended")

        # ctl fleet: three instances with their serials and digests, nothing flagged.
        table = ctl_fleet(binary, insts[0])
        print(table)
        for n in (1, 2, 3):
            assert f"ns{n}" in table, table
        assert "streamgate.example.=" in table and "3 instance(s), 0 flagged" in table, table
        # ns3 restarted with a different configuration (the record's TTL): flagged.
        insts[2].stop()
        changed = config_for(repo, insts[2].folder, etcd, prefix, "ns3", ttl=30, via=proxy.url)
        changed["listen"], changed["admin"]["listen"] = insts[2].config["listen"], insts[2].config["admin"]["listen"]
        insts[2] = Sgdns(binary, insts[2].folder, changed).start()
        wait_for("ns3 flagged", lambda: "1 flagged" in ctl_fleet(binary, insts[0]))
        table = ctl_fleet(binary, insts[0])
        print(table)
        flagged = [line for line in table.splitlines() if "config differs" in line]
        assert len(flagged) == 1, table
        ns3_line = [line for line in table.splitlines() if " ns3 " in line][0]
        assert ns3_line.rstrip().endswith("1"), table
        wait_for("ns3 connected", lambda: status(insts[2])["fleet"]["connected"])

        # etcd away: answers keep the last known overrides, writes get 503, a restart serves the cache.
        assert put(insts[0], "fl-b", "down", "before the outage")[0] == 200
        wait_answer(insts, everyone - {MEMBERS["fl-b"]}, 5.0)
        etcd.stop()
        wait_for("every instance to see etcd gone", lambda: not any(status(i)["fleet"]["connected"] for i in insts))
        assert all(query_a(i.dns_port, NAME) == everyone - {MEMBERS["fl-b"]} for i in insts)
        code, body = put(insts[1], "fl-c", "down", "during the outage")
        assert code == 503 and "etcd is unreachable" in body, (code, body)
        code, body = insts[2].request("DELETE", f"/v1/overrides/fl-b/{MEMBERS['fl-b']}")
        assert code == 503, (code, body)
        assert "last known" in status(insts[0])["fleet"]["overrides"]
        insts[2].stop()
        insts[2].start()  # no etcd: the state file is the cache
        assert query_a(insts[2].dns_port, NAME) == everyone - {MEMBERS["fl-b"]}
        print("etcd stopped: all three keep the last known overrides, writes 503, a restart serves the cache")
        etcd.start()
        wait_for("every instance reconnected", lambda: all(status(i)["fleet"]["connected"] for i in insts))
        code, body = insts[1].request("DELETE", f"/v1/overrides/fl-b/{MEMBERS['fl-b']}")
        assert code == 200, body
        assert put(insts[2], "fl-c", "down", "after the outage")[0] == 200
        wait_answer(insts, everyone - {MEMBERS["fl-c"]}, 5.0)
        revisions = {status(i)["fleet"]["revision"] for i in insts}
        print(f"etcd back: all three converged (revision {sorted(revisions)})")

        # A partition between ns3 and a live etcd: it keeps the last known state, then resumes its watch
        # from the last revision it saw and gets what it missed.
        current = everyone - {MEMBERS["fl-c"]}
        proxy.cut()
        wait_for("ns3 to see etcd gone", lambda: not status(insts[2])["fleet"]["connected"])
        seen = status(insts[2])["fleet"]["revision"]
        assert put(insts[0], "fl-a", "down", "during the partition")[0] == 200
        wait_answer(insts[:2], current - {MEMBERS["fl-a"]}, 5.0)
        assert query_a(insts[2].dns_port, NAME) == current, "ns3 changed while cut off"
        proxy.restore()
        wait_answer([insts[2]], current - {MEMBERS["fl-a"]}, 10.0)
        log = open(os.path.join(insts[2].folder, "sgdns.log"), errors="replace").read()
        assert f"from revision {seen + 1}" in log, f"ns3 did not resume from revision {seen + 1}"
        print(f"partition: ns3 kept the last known state, then resumed its watch from revision {seen + 1}")

        # The same, but etcd compacted past ns3's revision meanwhile: it reads the whole prefix again.
        proxy.cut()
        wait_for("ns3 to see etcd gone", lambda: not status(insts[2])["fleet"]["connected"])
        assert insts[0].request("DELETE", f"/v1/overrides/fl-a/{MEMBERS['fl-a']}")[0] == 200
        assert put(insts[1], "fl-b", "down", "during the second partition")[0] == 200
        head = json.loads(etcd.ctl("get", prefix, "-w", "json"))["header"]["revision"]
        etcd.ctl("compaction", str(head))
        proxy.restore()
        final = current - {MEMBERS["fl-b"]}
        wait_answer(insts, final, 10.0)
        log = open(os.path.join(insts[2].folder, "sgdns.log"), errors="replace").read()
        assert "compacted" in log, "ns3 did not notice the compaction"
        print(f"compaction: etcd compacted to {head} while ns3 was cut off; it read the prefix again and converged")
        return med, worst
    finally:
        for i in insts:
            i.kill()
        proxy.close()
        etcd.stop()


def health_phase(binary, repo, work):
    os.makedirs(os.path.join(work, "etcd2"))
    etcd = Etcd(os.path.join(work, "etcd2")).start()
    prefix = f"/sgdns/health-{os.getpid()}"
    live, dead = free_port(), free_port()
    listeners = []
    insts = []
    try:
        for address in MEMBERS.values():  # the members' checks succeed on `live`, nothing listens on `dead`
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, live))
            s.listen(64)
            listeners.append(s)
        # fl-a: down for ns2 and ns3 (two of three: dropped everywhere); fl-c: down for ns3 only (kept).
        ports = {1: {"fl-a": live, "fl-b": live, "fl-c": live},
                 2: {"fl-a": dead, "fl-b": live, "fl-c": live},
                 3: {"fl-a": dead, "fl-b": live, "fl-c": dead}}
        for n in (1, 2, 3):
            folder = os.path.join(work, f"h{n}")
            insts.append(Sgdns(binary, folder, config_for(repo, folder, etcd, prefix, f"h{n}", ports[n],
                                                         shared_health=True)).start())
        wait_for("every instance connected", lambda: all(status(i)["fleet"]["connected"] for i in insts))
        fleet_view = {MEMBERS["fl-b"], MEMBERS["fl-c"]}
        took = wait_answer(insts, fleet_view, 20.0, 0.05)
        # Stable, not a passing moment: every instance keeps answering the fleet's view.
        for _ in range(10):
            assert all(query_a(i.dns_port, NAME) == fleet_view for i in insts)
            time.sleep(0.2)
        print(f"shared health: fl-a (down for 2 of 3) dropped by all three, fl-c (down for 1 of 3) kept by all "
              f"three, within {took:.1f}s of start")
        s1 = status(insts[0])["fleet"]
        assert "fleet" in s1["health_view"] and s1["health_disagreements"] == ["fl-a/127.0.0.11"], s1
        # Cut off from etcd: each falls back to its own probes and says so.
        etcd.stop()
        wait_answer([insts[0]], set(MEMBERS.values()), 10.0, 0.05)
        wait_answer([insts[2]], {MEMBERS["fl-b"]}, 10.0, 0.05)
        assert "own probes only" in status(insts[0])["fleet"]["health_view"]
        print("etcd stopped: each instance answers from its own probes and its status says so")
        etcd.start()
        wait_answer(insts, fleet_view, 20.0, 0.05)
        print("etcd back: the fleet's view again on all three")
    finally:
        for i in insts:
            i.kill()
        etcd.stop()
        for s in listeners:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--phase", choices=["all", "overrides", "health"], default="all")
    ap.add_argument("--no-timing", action="store_true",
                    help="do not assert the 1 s propagation bound (a sanitizer build is slower by design)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sgdns-fleet-") as work:
        if a.phase in ("all", "overrides"):
            overrides_phase(a.binary, a.repo, work, timing=not a.no_timing)
        if a.phase in ("all", "health"):
            health_phase(a.binary, a.repo, work)
    print("fleet: all checks passed")


if __name__ == "__main__":
    main()
