#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks deploy/kubernetes/ without a cluster. kubeconform and kubeval are not packaged in Debian 12, so
# the structure is checked here against the fields each kind requires, and the Pod Security "restricted"
# profile's rules; then the manifests are cross-checked against the real binary: the container's flags are
# flags `sgdns --help` lists, `sgdns check` passes on the ConfigMap's configuration, the ports, paths and
# mounts agree with what that configuration says, and a live sgdns started on it answers the probes' and
# the scrape annotation's paths with 200 on its admin port and DNS with the NSID the pod would give it.
# Finally the same checks run on doctored copies, which they must reject.
#
# Usage: check_kubernetes.py --binary SGDNS --repo DIR      (exit 0: all holds; 1: problems listed)
import argparse
import base64
import copy
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sgdns_instance import free_port  # noqa: E402

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
PORT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")
API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "PodDisruptionBudget": "policy/v1",
}
NAMESPACED = {"ConfigMap", "Service", "Deployment", "PodDisruptionBudget"}
# Volume types Pod Security "restricted" allows.
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


class Problems(list):
    def add(self, where, what):
        self.append(f"{where}: {what}")


def load(manifests):
    """Every document of every *.yaml in the folder but kustomization.yaml, as (file, document)."""
    docs = []
    for path in sorted(glob.glob(os.path.join(manifests, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


def by_kind(docs, kind):
    return [d for _, d in docs if d.get("kind") == kind]


def get(obj, path, default=None):
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


# --- structure ---------------------------------------------------------------------------------------


def check_kustomization(manifests, docs, p):
    with open(os.path.join(manifests, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    listed = set(k.get("resources", []))
    files = {name for name, _ in docs}
    for missing in sorted(files - listed):
        p.add("kustomization.yaml", f"does not list {missing}")
    for extra in sorted(listed - files):
        p.add("kustomization.yaml", f"lists {extra}, which does not exist")


def check_metadata(where, doc, namespace, p):
    kind = doc.get("kind")
    if API_VERSIONS.get(kind) is None:
        p.add(where, f"unexpected kind {kind!r}")
        return
    if doc.get("apiVersion") != API_VERSIONS[kind]:
        p.add(where, f"{kind} needs apiVersion {API_VERSIONS[kind]}, not {doc.get('apiVersion')!r}")
    name = get(doc, "metadata.name", "")
    pattern = DNS1123_LABEL if kind in ("Namespace", "Service") else DNS1123_SUBDOMAIN
    if not pattern.fullmatch(name or "") or len(name) > 63:
        p.add(where, f"metadata.name {name!r} is not a DNS-1123 name")
    if kind in NAMESPACED and get(doc, "metadata.namespace") != namespace:
        p.add(where, f"namespace {get(doc, 'metadata.namespace')!r}, not the Namespace's {namespace!r}")


def check_probe(where, probe, ports, p):
    if probe is None:
        p.add(where, "missing")
        return
    handlers = [h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in probe]
    if len(handlers) != 1:
        p.add(where, f"needs exactly one handler, has {handlers}")
    http = probe.get("httpGet")
    if http is not None:
        if not str(http.get("path", "")).startswith("/"):
            p.add(where, f"httpGet.path {http.get('path')!r} does not start with /")
        port = http.get("port")
        if isinstance(port, str) and port not in ports:
            p.add(where, f"httpGet.port {port!r} names no container port")


def container_ports(container, p, where):
    ports = {}
    for port in container.get("ports", []):
        name = port.get("name")
        number = port.get("containerPort")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            p.add(where, f"port {name}: containerPort {number!r} is not 1..65535")
        if port.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
            p.add(where, f"port {name}: protocol {port.get('protocol')!r}")
        if name is not None:
            if not PORT_NAME.fullmatch(name) or len(name) > 15 or not re.search("[a-z]", name):
                p.add(where, f"port name {name!r} is not an IANA service name (<= 15 lowercase)")
            if name in ports:
                p.add(where, f"port name {name!r} used twice")
            ports[name] = port
    return ports


def check_restricted(where, pod, container, p):
    """Pod Security Standards, "restricted" profile, plus the read-only root the systemd unit has."""
    psc, csc = pod.get("securityContext", {}), container.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            p.add(where, f"{field} is set")
    if not (csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True):
        p.add(where, "runAsNonRoot is not true")
    if csc.get("runAsUser", psc.get("runAsUser")) == 0:
        p.add(where, "runAsUser is 0")
    if csc.get("privileged"):
        p.add(where, "privileged")
    if csc.get("allowPrivilegeEscalation") is not False:
        p.add(where, "allowPrivilegeEscalation is not false")
    caps = csc.get("capabilities", {})
    if "ALL" not in caps.get("drop", []):
        p.add(where, "capabilities.drop does not include ALL")
    extra = set(caps.get("add", [])) - {"NET_BIND_SERVICE"}
    if extra:
        p.add(where, f"capabilities.add beyond NET_BIND_SERVICE: {sorted(extra)}")
    seccomp = get(csc, "seccompProfile.type", get(psc, "seccompProfile.type"))
    if seccomp not in ("RuntimeDefault", "Localhost"):
        p.add(where, f"seccompProfile.type {seccomp!r}, not RuntimeDefault or Localhost")
    if csc.get("readOnlyRootFilesystem") is not True:
        p.add(where, "readOnlyRootFilesystem is not true (the systemd unit's ProtectSystem=strict)")
    for v in pod.get("volumes", []):
        kinds = set(v) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            p.add(where, f"volume {v.get('name')}: type {sorted(kinds)} not allowed by the restricted profile")


def check_structure(docs, p):
    namespaces = by_kind(docs, "Namespace")
    if len(namespaces) != 1:
        p.add("manifests", f"{len(namespaces)} Namespaces, want 1")
    namespace = get(namespaces[0], "metadata.name") if namespaces else None
    for name, doc in docs:
        check_metadata(f"{name} {doc.get('kind')}", doc, namespace, p)
    for kind in ("Deployment", "Service", "ConfigMap", "PodDisruptionBudget"):
        if len(by_kind(docs, kind)) != 1:
            p.add("manifests", f"{len(by_kind(docs, kind))} {kind}s, want 1")
    if p:
        return None
    dep = by_kind(docs, "Deployment")[0]
    pod = get(dep, "spec.template.spec", {})
    labels = get(dep, "spec.template.metadata.labels", {})
    selector = get(dep, "spec.selector.matchLabels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        p.add("Deployment", f"selector {selector} does not select the pod labels {labels}")
    if (dep["spec"].get("replicas") or 1) < 2:
        p.add("Deployment", "fewer than 2 replicas: one NS per failure")
    containers = pod.get("containers", [])
    if len(containers) != 1:
        p.add("Deployment", f"{len(containers)} containers, want 1")
        return None
    c = containers[0]
    where = f"Deployment container {c.get('name')}"
    if not c.get("name") or not c.get("image"):
        p.add(where, "needs a name and an image")
    ports = container_ports(c, p, where)
    for probe in ("readinessProbe", "livenessProbe"):
        check_probe(f"{where} {probe}", c.get(probe), ports, p)
    if "startupProbe" in c:
        check_probe(f"{where} startupProbe", c["startupProbe"], ports, p)
    check_restricted(where, pod, c, p)
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        if m.get("name") not in volumes:
            p.add(where, f"volumeMount {m.get('name')!r} names no volume")
        if not str(m.get("mountPath", "")).startswith("/"):
            p.add(where, f"volumeMount {m.get('name')!r}: mountPath is not absolute")
    configmaps = {get(d, "metadata.name") for d in by_kind(docs, "ConfigMap")}
    for v in volumes.values():
        if "configMap" in v and get(v, "configMap.name") not in configmaps:
            p.add(where, f"volume {v['name']}: ConfigMap {get(v, 'configMap.name')!r} is not in the manifests")

    svc = by_kind(docs, "Service")[0]
    sel = get(svc, "spec.selector", {})
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        p.add("Service", f"selector {sel} does not select the pod labels {labels}")
    svc_ports = get(svc, "spec.ports", [])
    if len(svc_ports) > 1 and len({sp.get("name") for sp in svc_ports}) != len(svc_ports):
        p.add("Service", "with several ports every port needs a distinct name")
    for sp in svc_ports:
        target = sp.get("targetPort", sp.get("port"))
        proto = sp.get("protocol", "TCP")
        match = [cp for n, cp in ports.items() if (n == target or cp.get("containerPort") == target)
                 and cp.get("protocol", "TCP") == proto]
        if not match:
            p.add("Service", f"port {sp.get('name')}: targetPort {target!r}/{proto} is no container port")
    if {(sp.get("port"), sp.get("protocol", "TCP")) for sp in svc_ports} != {(53, "UDP"), (53, "TCP")}:
        p.add("Service", "must serve port 53 over UDP and TCP, and nothing else")
    if get(svc, "spec.type") in ("LoadBalancer", "NodePort") and get(svc, "spec.externalTrafficPolicy") != "Local":
        p.add("Service", "externalTrafficPolicy is not Local: clients' addresses would be lost (geo, RRL)")

    pdb = by_kind(docs, "PodDisruptionBudget")[0]
    spec = pdb.get("spec", {})
    if ("minAvailable" in spec) == ("maxUnavailable" in spec):
        p.add("PodDisruptionBudget", "needs exactly one of minAvailable and maxUnavailable")
    psel = get(spec, "selector.matchLabels", {})
    if not psel or any(labels.get(k) != v for k, v in psel.items()):
        p.add("PodDisruptionBudget", f"selector {psel} does not select the pod labels {labels}")
    replicas = dep["spec"].get("replicas") or 1
    allowed = spec.get("maxUnavailable", replicas - spec.get("minAvailable", replicas))
    if not isinstance(allowed, int) or not 1 <= allowed < replicas:
        p.add("PodDisruptionBudget", f"allows {allowed} of {replicas} replicas down: must allow 1..replicas-1")

    cm = by_kind(docs, "ConfigMap")[0]
    data, binary = cm.get("data") or {}, cm.get("binaryData") or {}
    for key in list(data) + list(binary):
        if not CONFIGMAP_KEY.fullmatch(key):
            p.add("ConfigMap", f"key {key!r} is not a valid ConfigMap key")
    for key in set(data) & set(binary):
        p.add("ConfigMap", f"key {key!r} in both data and binaryData")
    size = sum(len(v.encode()) for v in data.values())
    for key, value in binary.items():
        try:
            size += len(base64.b64decode(value, validate=True))
        except ValueError:
            p.add("ConfigMap", f"binaryData {key!r} is not base64")
    if size > 1024 * 1024:
        p.add("ConfigMap", f"{size} bytes: over the 1 MiB a ConfigMap may hold")
    return dep, c, ports, svc, cm


# --- against the binary --------------------------------------------------------------------------------


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def mount_for(path, mounts):
    """The volumeMount under which an absolute path lies (the longest), or None."""
    best = None
    for m in mounts:
        root = m["mountPath"].rstrip("/") + "/"
        if path.startswith(root) and (best is None or len(root) > len(best["mountPath"])):
            best = m
    return best


def http_get(port, path, timeout=2):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


def check_against_binary(binary, repo, found, p, tmp):
    dep, c, ports, svc, cm = found
    pod = dep["spec"]["template"]["spec"]
    annotations = get(dep, "spec.template.metadata.annotations", {})
    helptext = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"^\s+(--[a-z][-a-z]*)", helptext, re.M))
    args = list(c.get("args", []))
    for a in args:
        if a.startswith("--") and a.split("=", 1)[0] not in flags:
            p.add("Deployment args", f"{a} is not a flag `sgdns --help` lists")
    command = c.get("command", [])
    with open(os.path.join(repo, "Dockerfile")) as f:
        dockerfile = f.read()
    if not command or command[0] not in dockerfile:
        p.add("Deployment command", f"{command} is not the binary the Dockerfile installs")
    if "--config" not in args or args.index("--config") + 1 >= len(args):
        p.add("Deployment args", "no --config FILE")
        return
    config_path = args[args.index("--config") + 1]
    mounts = c.get("volumeMounts", [])
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    m = mount_for(config_path, mounts)
    cm_name = get(cm, "metadata.name")
    if not m or get(volumes.get(m["name"], {}), "configMap.name") != cm_name:
        p.add("Deployment", f"--config {config_path} is not in the mounted ConfigMap {cm_name}")
        return
    key = os.path.relpath(config_path, m["mountPath"])
    if key not in (cm.get("data") or {}):
        p.add("ConfigMap", f"has no key {key!r} for --config {config_path}")
        return
    try:
        config = json.loads(cm["data"][key])
    except ValueError as e:
        p.add("ConfigMap", f"{key} is not JSON: {e}")
        return

    # The ConfigMap as the pod sees it: every key a file in one folder.
    etc = os.path.join(tmp, "etc")
    os.makedirs(etc)
    for k, v in (cm.get("data") or {}).items():
        with open(os.path.join(etc, k), "w") as f:
            f.write(v)
    for k, v in (cm.get("binaryData") or {}).items():
        with open(os.path.join(etc, k), "wb") as f:
            f.write(base64.b64decode(v))
    state = os.path.join(tmp, "state")
    os.makedirs(state, mode=0o700)
    token = os.path.join(tmp, "admin.token")
    with open(os.open(token, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("kubernetes-check-token-0123456789\n")

    # Files the configuration names by absolute path must be where the pod mounts them: the token in the
    # Secret's volume under its key, the state file in a writable volume (the root filesystem is read-only).
    admin = config.get("admin", {})
    token_file, state_file = admin.get("token_file"), admin.get("state_file")
    for what, path in (("admin.token_file", token_file), ("admin.state_file", state_file)):
        if not path:
            p.add("ConfigMap sgdns.json", f"no {what}")
        elif not os.path.isabs(path):
            p.add("ConfigMap sgdns.json", f"{what} {path!r} is relative: it would be looked for in the read-only ConfigMap")
    if token_file and os.path.isabs(token_file):
        tm = mount_for(token_file, mounts)
        secret = get(volumes.get(tm["name"], {}) if tm else {}, "secret")
        keys = [i.get("path") for i in (secret or {}).get("items", [])]
        if not secret:
            p.add("Deployment", f"admin.token_file {token_file} is not in a Secret volume")
        elif os.path.relpath(token_file, tm["mountPath"]) not in (keys or [os.path.basename(token_file)]):
            p.add("Deployment", f"admin.token_file {token_file}: the Secret volume has no such item")
    if state_file and os.path.isabs(state_file):
        sm = mount_for(state_file, mounts)
        if not sm or sm.get("readOnly") or "emptyDir" not in volumes.get(sm["name"], {}) and \
                "persistentVolumeClaim" not in volumes.get(sm["name"], {}):
            p.add("Deployment", f"admin.state_file {state_file} is not in a writable volume")

    # Ports: what the configuration listens on is what the pod declares, probes and scrapes.
    listen_ports = {port_of(a) for a in config.get("listen", [])}
    for name in ("dns-udp", "dns-tcp"):
        if name not in ports or ports[name].get("containerPort") not in listen_ports:
            p.add("Deployment", f"container port {name} is not a port of listen {config.get('listen')}")
    for a in config.get("listen", []) + [admin.get("listen", "")]:
        if a and not (a.startswith("0.0.0.0:") or a.startswith("[::]:")):
            p.add("ConfigMap sgdns.json", f"{a} is not reachable from outside the pod (listen on 0.0.0.0)")
    admin_port = port_of(admin.get("listen", ":0"))
    probe_ports = set()
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        port = get(c, f"{probe}.httpGet.port")
        if port is not None:
            probe_ports.add(ports.get(port, {}).get("containerPort") if isinstance(port, str) else port)
    if probe_ports != {admin_port}:
        p.add("Deployment", f"probes use ports {probe_ports}, the admin API listens on {admin_port}")
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/port") != str(admin_port):
        p.add("Deployment", f"Prometheus annotations {annotations} do not scrape the admin port {admin_port}")

    # `sgdns check` on the pod's configuration, with the token and state file at the test's paths.
    cfg = os.path.join(etc, key)
    common = ["--admin-token-file", token, "--state-file", os.path.join(state, "overrides.json")]
    r = subprocess.run([binary, "check", "--config", cfg] + common, capture_output=True, text=True)
    print(r.stdout + r.stderr, end="")
    if r.returncode != 0:
        p.add("ConfigMap sgdns.json", f"sgdns check failed (exit {r.returncode}): {r.stderr.strip()}")
        return

    # The pod's command line, on loopback ports, with $(POD_NAME) as the kubelet would expand it.
    pod_name = "sgdns-7d9f8c6b5-x2k4q"
    env = {e["name"]: pod_name for e in c.get("env", []) if get(e, "valueFrom.fieldRef.fieldPath") == "metadata.name"}
    expanded = [re.sub(r"\$\((\w+)\)", lambda mm: env.get(mm.group(1), mm.group(0)), a) for a in args]
    expanded[expanded.index("--config") + 1] = cfg
    dns_port, local_admin = free_port(), free_port()
    argv = [binary] + expanded + common + ["--listen", f"127.0.0.1:{dns_port}", "--admin", f"127.0.0.1:{local_admin}"]
    log = open(os.path.join(tmp, "sgdns.log"), "w+")
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        ready_path = get(c, "readinessProbe.httpGet.path")
        deadline = time.monotonic() + 15
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            status, _ = http_get(local_admin, ready_path)
            if status in (200, 404):  # ready, or no such route (the check below says so)
                break
            time.sleep(0.1)
        for what, path in (("readinessProbe", ready_path), ("livenessProbe", get(c, "livenessProbe.httpGet.path")),
                           ("startupProbe", get(c, "startupProbe.httpGet.path")),
                           ("prometheus.io/path", annotations.get("prometheus.io/path", "/metrics"))):
            if path is None:
                continue
            code, body = http_get(local_admin, path)
            if code != 200:
                p.add("Deployment", f"{what} {path}: the admin API answers {code}, not 200 ({body.strip()[:80]})")
            elif what == "prometheus.io/path" and "sgdns_build_info" not in body:
                p.add("Deployment", f"{what} {path}: not sgdns's metrics")
        dig = subprocess.run(["kdig", f"@127.0.0.1", "-p", str(dns_port), "+time=2", "+retry=1", "+nsid",
                              "streamgate.example", "SOA"], capture_output=True, text=True)
        if "status: NOERROR" not in dig.stdout or pod_name not in dig.stdout:
            p.add("Deployment", f"the pod's sgdns does not answer SOA with NSID {pod_name}:\n{dig.stdout}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.seek(0)
        text = log.read()
        log.close()
    if server.returncode != 0:
        p.add("sgdns", f"exited {server.returncode} on SIGTERM:\n{text}")


def check_all(manifests, binary, repo):
    p = Problems()
    docs = load(manifests)
    check_kustomization(manifests, docs, p)
    found = check_structure(docs, p)
    if found:
        with tempfile.TemporaryDirectory() as tmp:
            check_against_binary(binary, repo, found, p, tmp)
    return p


# --- the checks must catch what they are for -----------------------------------------------------------


def doctored(manifests, tmp, edit):
    """A copy of the manifests with `edit(docs_by_kind)` applied."""
    out = os.path.join(tmp, "manifests")
    os.makedirs(out)
    for path in glob.glob(os.path.join(manifests, "*.yaml")):
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        edit({d.get("kind"): d for d in docs})
        with open(os.path.join(out, os.path.basename(path)), "w") as f:
            yaml.safe_dump_all(docs, f)
    return out


def container(d):
    return d["Deployment"]["spec"]["template"]["spec"]["containers"][0]


MISTAKES = [
    ("a readiness path that is no admin route",
     lambda d: "Deployment" in d and container(d)["readinessProbe"]["httpGet"].update(path="/v1/readyz"),
     "readinessProbe /v1/readyz: the admin API answers 404"),
    ("a flag sgdns does not have",
     lambda d: "Deployment" in d and container(d)["args"].append("--confg"),
     "--confg is not a flag"),
    ("a capability beyond NET_BIND_SERVICE",
     lambda d: "Deployment" in d and container(d)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
     "capabilities.add beyond NET_BIND_SERVICE"),
    ("a Service port aimed at no container port",
     lambda d: "Service" in d and d["Service"]["spec"]["ports"][0].update(targetPort="dns"),
     "targetPort 'dns'/UDP is no container port"),
    ("a container port the configuration does not listen on",
     lambda d: "Deployment" in d and container(d)["ports"][0].update(containerPort=53),
     "container port dns-udp is not a port of listen"),
    ("a configuration sgdns refuses",
     lambda d: "ConfigMap" in d and d["ConfigMap"]["data"].update(
         {"sgdns.json": d["ConfigMap"]["data"]["sgdns.json"].replace('"default_region": "us-east"', '"default_region": "mars"')}),
     "sgdns check failed"),
    ("a PodDisruptionBudget selecting nothing",
     lambda d: "PodDisruptionBudget" in d and d["PodDisruptionBudget"]["spec"]["selector"].update(matchLabels={"app": "x"}),
     "PodDisruptionBudget: selector"),
    ("a writable root filesystem",
     lambda d: "Deployment" in d and container(d)["securityContext"].update(readOnlyRootFilesystem=False),
     "readOnlyRootFilesystem is not true"),
]


def self_test(manifests, binary, repo):
    failures = []
    for what, edit, expected in MISTAKES:
        with tempfile.TemporaryDirectory() as tmp:
            found = check_all(doctored(manifests, tmp, edit), binary, repo)
        if not any(expected in line for line in found):
            failures.append(f"self-test: {what}: not caught (want {expected!r}; got {list(found)})")
        else:
            print(f"check_kubernetes: self-test: caught {what}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    manifests = os.path.join(a.repo, "deploy", "kubernetes")
    problems = check_all(manifests, a.binary, a.repo)
    sys.path.insert(0, manifests)
    import generate_configmap  # noqa: E402  (beside the manifests)

    with open(os.path.join(manifests, "configmap.yaml")) as f:
        if f.read() != generate_configmap.render():
            problems.add("configmap.yaml", "differs from what generate_configmap.py makes: run it again")
    problems += self_test(manifests, a.binary, a.repo)
    for line in problems:
        print(f"check_kubernetes: {line}")
    docs = load(manifests)
    print(f"check_kubernetes: {len(docs)} manifests ({', '.join(sorted(d.get('kind') for _, d in docs))}), "
          f"{len(MISTAKES)} planted mistakes; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
