#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The status page in a real browser: headless Chromium, driven over the DevTools protocol on a pipe (no
# extra Python package), loads GET /status from a live sgdns on the shipped configuration at phone size
# and checks what an on-call engineer reads there; an override taking a member down must show as down on
# the open page within 2 s, without anyone reloading it. Screenshots are kept as test artefacts.
#
# Usage: check_status_page.py --binary build/sgdns --repo . --artefacts build/test-artefacts
import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sgdns_instance import Sgdns, free_port, shipped_config, wait_for  # noqa: E402

# Phone-sized viewport (a common 6" phone in CSS pixels).
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
OVERRIDE_DEADLINE_S = 2.0


class Browser:
    """Chromium with --remote-debugging-pipe: JSON messages, NUL-terminated, commands on fd 3, replies
    and events on fd 4."""

    def __init__(self, profile):
        cmd_r, self.cmd_w = os.pipe()
        self.evt_r, evt_w = os.pipe()
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            raise RuntimeError("chromium is not installed (scripts/deps.sh lists it)")
        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--remote-debugging-pipe", f"--user-data-dir={profile}",
                "about:blank"]
        # exec with the two pipe ends moved to the descriptors Chromium expects.
        script = 'exec "$@" 3<&' + str(cmd_r) + " 4>&" + str(evt_w)
        self.proc = subprocess.Popen(["sh", "-c", script, "sh", *args], pass_fds=(cmd_r, evt_w),
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "wb"))
        os.close(cmd_r)
        os.close(evt_w)
        self.next_id, self.buffer, self.session = 0, b"", None

    def send(self, method, params=None, timeout=30.0):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(message).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            reply = self._read(end)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self, end):
        while b"\0" not in self.buffer:
            if time.monotonic() > end:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self.evt_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", PHONE)
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})

    def eval(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            return None
        return result["result"].get("value")

    def screenshot(self, path, full_page):
        params = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = self.send("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.evt_r)


def member_state(browser, key):
    return browser.eval(f"(function(){{var r=document.querySelector('tr[data-member=\"{key}\"]');"
                        f"return r ? r.dataset.state : null;}})()")


def check(problems, ok, message):
    if not ok:
        problems.append(message)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--artefacts", required=True)
    a = ap.parse_args()
    os.makedirs(a.artefacts, exist_ok=True)
    problems = []
    with tempfile.TemporaryDirectory(prefix="sgdns-status-") as folder:
        # A probed pool on loopback: 127.0.0.1 answers the TCP check (this listener), 127.0.0.2 refuses.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        config = shipped_config(a.repo, folder, free_port(), free_port())
        config["checks"] = {"edge-tcp": {"type": "tcp", "port": listener.getsockname()[1], "interval": "500ms", "timeout": "300ms"}}
        config["pools"]["edge-usw"] = {"region": "us-west", "check": "edge-tcp", "members": ["127.0.0.1", "127.0.0.2"]}
        profile = os.path.join(folder, "chromium")
        os.makedirs(profile)
        with Sgdns(a.binary, folder, config) as server:
            for subnet in ("192.0.2.0/24", "192.0.2.0/24", "203.0.113.0/24", "127.0.7.0/24"):
                server.dig("www.streamgate.example", "A", f"+subnet={subnet}")
            check(problems, server.request("POST", "/v1/reload")[0] == 200, "POST /v1/reload failed")
            status, html = server.request("GET", "/status", token=False)
            check(problems, status == 200, f"GET /status without a token (no read token set): {status}")
            for needle in ("src=", "url(", "@import", "http://", "https://"):
                check(problems, needle not in html, f"the page refers to something outside itself: {needle!r}")
            hrefs = re.findall(r'href="([^"]*)"', html)
            check(problems, hrefs == ["data:,"], f"links other than the inline icon: {hrefs}")
            # The probe results first (the refused member goes down after fall=2 failures).
            wait_for("the probes to settle", lambda: '"state": "down"' in server.request("GET", "/v1/status")[1], 20)
            browser = Browser(profile)
            try:
                browser.open(f"http://127.0.0.1:{server.admin_port}/status")
                wait_for("the page to load", lambda: member_state(browser, "edge-usw/127.0.0.1") == "up", 20)
                text = browser.eval("document.body.innerText") or ""
                for needle in ("eu-west", "us-east", "us-west", "ap-south", "edge-eu", "cdn", "streamgate.example.",
                               "Answers by region", "Flips in the last hour", "Recent reloads", "POST /v1/reload"):
                    check(problems, needle in text, f"the page does not show {needle!r}")
                check(problems, member_state(browser, "edge-usw/127.0.0.2") == "down",
                      "the member that refuses its check is not shown down")
                row = browser.eval("document.querySelector('tr[data-member=\"edge-usw/127.0.0.1\"]').innerText") or ""
                check(problems, "ok" in row and " ms" in row, f"no last probe result with latency: {row!r}")
                bars = browser.eval("document.querySelectorAll('svg rect').length")
                check(problems, bars == 4, f"the answers-by-region chart has {bars} bars, expected 4 regions")
                wide = browser.eval("document.documentElement.scrollWidth - window.innerWidth")
                check(problems, wide is not None and wide <= 0, f"wider than a {PHONE['width']}px phone by {wide}px")
                loaded = browser.eval("performance.getEntriesByType('resource').filter(function(e){"
                                      "return e.initiatorType!=='fetch';}).map(function(e){return e.name;})")
                check(problems, loaded == [], f"the page loaded other resources: {loaded}")
                browser.screenshot(os.path.join(a.artefacts, "status-page-phone.png"), False)

                # An override taking a member down shows on the open page within the deadline.
                reason = "<b>drill</b> maintenance"
                start = time.monotonic()
                status, body = server.request("PUT", "/v1/overrides/edge-usw/127.0.0.1",
                                              {"state": "down", "reason": reason, "expires": "10m"})
                check(problems, status == 200, f"PUT override: {status} {body}")
                wait_for("the override to show", lambda: member_state(browser, "edge-usw/127.0.0.1") == "down", 10, 0.02)
                took = time.monotonic() - start
                print(f"status page: override shown as down after {took * 1000:.0f} ms (deadline {OVERRIDE_DEADLINE_S:.0f} s)")
                check(problems, took <= OVERRIDE_DEADLINE_S, f"the override took {took:.2f}s to show (over {OVERRIDE_DEADLINE_S}s)")
                text = browser.eval("document.body.innerText") or ""
                check(problems, reason in text, "the override's reason is not shown as text")
                markup = browser.eval("document.querySelector('main').innerHTML") or ""
                check(problems, "&lt;b&gt;drill&lt;/b&gt;" in markup and "<b>drill</b>" not in markup,
                      "the override's reason was not escaped")
                check(problems, "expires in" in text, "the override's expiry is not shown")
                shot = browser.screenshot(os.path.join(a.artefacts, "status-page.png"), True)
                print(f"status page: screenshot {shot}")
            finally:
                browser.close()
        listener.close()
    for p in problems:
        print(f"status page: {p}")
    print("status page: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
