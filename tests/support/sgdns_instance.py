# SPDX-License-Identifier: MIT
# One sgdns on loopback for the Python tests (status page, doc test, DR drills): the shipped sgdns.json
# rewritten to free ports and a private folder, started, waited for (GET /v1/ready), stopped by PID.
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (sgdns binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def wait_for(what, predicate, deadline_s=20.0, step_s=0.05):
    """Polls predicate() until it returns something true; raises naming `what` after the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {deadline_s}s waiting for {what}")
        time.sleep(step_s)


def shipped_config(repo, folder, dns_port, admin_port):
    """The repository's sgdns.json, its paths made absolute, listening on loopback ports, with its
    token, state file and copies of the zones in `folder` (so a test may change them)."""
    repo = os.path.abspath(repo)
    with open(os.path.join(repo, "sgdns.json")) as f:
        config = json.load(f)
    zones = os.path.join(folder, "zones")
    os.makedirs(zones, exist_ok=True)
    for z in config["zones"]:
        target = os.path.join(zones, os.path.basename(z["file"]))
        shutil.copyfile(os.path.join(repo, z["file"]), target)
        z["file"] = target
    config["geoip"]["databases"] = [os.path.join(repo, p) for p in config["geoip"]["databases"]]
    config["listen"] = [f"127.0.0.1:{dns_port}"]
    config["threads"] = 1
    config["admin"] = {
        "listen": f"127.0.0.1:{admin_port}",
        "token_file": os.path.join(folder, "admin.token"),
        "state_file": os.path.join(folder, "overrides.json"),
    }
    return config


class Sgdns:
    """A running sgdns. `config` is written to <folder>/sgdns.json; use as a context manager."""

    def __init__(self, binary, folder, config, token="test-token-0123456789abcdef", write_token=True):
        self.binary, self.folder, self.config, self.token = binary, folder, config, token
        self.proc = None
        os.makedirs(folder, exist_ok=True)
        token_file = config.get("admin", {}).get("token_file")
        if token_file and write_token:
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
        self.config_path = os.path.join(folder, "sgdns.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.dns_port = int(config["listen"][0].rsplit(":", 1)[1])
        self.admin_port = int(config["admin"]["listen"].rsplit(":", 1)[1])

    def start(self, deadline_s=30.0):
        self.log = open(os.path.join(self.folder, "sgdns.log"), "ab")
        self.proc = subprocess.Popen([self.binary, "--config", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for("sgdns to be ready", lambda: self._ready(), deadline_s)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            with open(os.path.join(self.folder, "sgdns.log"), errors="replace") as f:
                tail = f.read()[-2000:]
            raise RuntimeError(f"sgdns exited with {self.proc.returncode}:\n{tail}")
        try:
            return self.request("GET", "/v1/ready")[0] == 200
        except OSError:
            return False

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self):
        self.kill(signal.SIGTERM)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def request(self, method, path, body=None, token=True, timeout=10):
        """(status, body text) of one admin request; a refusal is a status too."""
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        req = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}{path}", data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def dig(self, *args):
        """kdig's output for one query to this instance (args: name, type, kdig options)."""
        out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(self.dns_port), "+retry=2", "+time=2", *args],
                             capture_output=True, text=True, timeout=30)
        return out.stdout
