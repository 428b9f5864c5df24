#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Cross-checks the monitoring code against what a live sgdns exports: every metric an alert rule or a
# dashboard panel queries must be in the scrape, with the labels its selectors name; every alert has a
# runbook_url naming its page under docs/runbooks/, every page belongs to an alert and has the three
# sections an on-call engineer needs; the dashboard is importable JSON. Exit 0 when all holds, else 1
# with one line per problem.
#
# Usage: check_monitoring.py --scrape FILE --rules FILE --dashboard FILE --repo DIR
import argparse
import json
import os
import re
import sys

import yaml

# Series Prometheus makes itself for every target (no exporter sends them).
PROMETHEUS_SERIES = {"up": set(), "scrape_duration_seconds": set(), "scrape_samples_scraped": set()}
# Labels Prometheus attaches to every scraped series.
TARGET_LABELS = {"job", "instance"}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan", "start", "end",
}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# Aggregations may put their grouping before the parenthesis: sum by (x) (...).
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile",
}
RUNBOOK_SECTIONS = ("## What it means", "## Confirm", "## What to do")


def parse_exposition(text):
    """Sample names of a Prometheus text exposition, each with the label names it carries."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
        if not m:
            raise ValueError(f"unreadable exposition line: {line!r}")
        labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
        out.setdefault(m.group(1), set()).update(labels)
    return out


def scan(expr):
    """The vector selectors of a PromQL expression, as (metric, label names in its braces), and the label
    names its by/without/on/ignoring/group_left/group_right lists use.

    A small scanner, enough for the expressions written here: it skips string literals, durations in
    brackets and Grafana's $variables, and tells functions (a name before "("), aggregations and keywords
    from metric names."""
    expr = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "0", expr)  # Grafana variables
    found, grouping = [], set()
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            i = j + 1
        elif c == "[":
            i = expr.index("]", i) + 1
        elif c == "#":
            i = expr.find("\n", i) if "\n" in expr[i:] else n
        elif c.isalpha() or c in "_:":
            m = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*").match(expr, i)
            word, i = m.group(0), m.end()
            rest = expr[i:].lstrip()
            if word in GROUPING:
                if rest.startswith("("):
                    end = expr.index(")", i)
                    grouping.update(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", expr[expr.index("(", i) + 1 : end]))
                    i = end + 1
            elif word in KEYWORDS or word in AGGREGATIONS or rest.startswith("("):
                pass  # a keyword, an aggregation or a function
            else:
                labels = set()
                if rest.startswith("{"):
                    start = expr.index("{", i)
                    end = expr.index("}", start)
                    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr[start + 1 : end])
                    labels = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", body))
                    i = end + 1
                found.append((word, labels))
        elif c.isdigit() or c == ".":
            m = re.compile(r"[0-9.eE+-]+[a-z]*").match(expr, i)
            i = m.end()
        else:
            i += 1
    return found, grouping


def made_labels(expr):
    """Labels an expression makes itself: label_replace's and count_values' target labels."""
    made = set(re.findall(r'label_replace\s*\([^,]+,\s*"([a-zA-Z_][a-zA-Z0-9_]*)"', expr))
    made |= set(re.findall(r'count_values\s*(?:by\s*\([^)]*\)\s*)?\(\s*"([a-zA-Z_][a-zA-Z0-9_]*)"', expr))
    return made


def check_expr(where, expr, exported, problems):
    used, grouping = scan(expr)
    if not used:
        problems.append(f"{where}: queries no metric: {expr!r}")
    known = set(TARGET_LABELS) | made_labels(expr)
    for metric, labels in used:
        have = exported.get(metric, PROMETHEUS_SERIES.get(metric))
        if have is None:
            problems.append(f"{where}: metric {metric} is not exported by sgdns")
            continue
        known |= have
        for label in sorted(labels - have - TARGET_LABELS):
            problems.append(f"{where}: {metric} has no label {label!r} (it has: {', '.join(sorted(have)) or 'none'})")
    for label in sorted(grouping - known):
        problems.append(f"{where}: groups by {label!r}, which none of its metrics has")
    return {m for m, _ in used}


def check_rules(path, repo, exported, problems):
    with open(path) as f:
        doc = yaml.safe_load(f)
    alerts, used = {}, set()
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            name = rule.get("alert") or rule.get("record")
            used |= check_expr(f"rule {name}", str(rule.get("expr", "")), exported, problems)
            if "alert" not in rule:
                continue
            url = (rule.get("annotations") or {}).get("runbook_url")
            if not url:
                problems.append(f"alert {name}: no runbook_url annotation")
                continue
            alerts.setdefault(name, set()).add(url)
    pages = {}
    for name, urls in sorted(alerts.items()):
        if len(urls) != 1:
            problems.append(f"alert {name}: its rules name different runbooks: {sorted(urls)}")
        for url in urls:
            if not re.fullmatch(r"docs/runbooks/[a-z0-9-]+\.md", url):
                problems.append(f"alert {name}: runbook_url {url!r} is not docs/runbooks/<page>.md")
                continue
            pages.setdefault(url, []).append(name)
            check_runbook(name, os.path.join(repo, url), problems)
    for url, names in pages.items():
        if len(names) > 1:
            problems.append(f"{url}: shared by alerts {', '.join(names)} (one page per alert)")
    runbooks = os.path.join(repo, "docs", "runbooks")
    for page in sorted(os.listdir(runbooks)) if os.path.isdir(runbooks) else []:
        rel = f"docs/runbooks/{page}"
        if page.endswith(".md") and page != "README.md" and rel not in pages:
            problems.append(f"{rel}: no alert points at this runbook")
    return alerts, used


def check_runbook(alert, path, problems):
    if not os.path.isfile(path):
        problems.append(f"alert {alert}: runbook {path} does not exist")
        return
    with open(path) as f:
        text = f.read()
    first = text.splitlines()[0] if text else ""
    if not first.startswith("# ") or alert not in first:
        problems.append(f"{path}: the first line must be a title naming {alert}")
    for section in RUNBOOK_SECTIONS:
        if section not in text:
            problems.append(f"{path}: no '{section}' section")
    if "```" not in text:
        problems.append(f"{path}: no commands to confirm with")


def check_dashboard(path, exported, problems):
    with open(path) as f:
        dash = json.load(f)
    for key in ("title", "uid", "panels", "schemaVersion", "templating"):
        if key not in dash:
            problems.append(f"dashboard: no {key!r}")
    variables = {v.get("name") for v in dash.get("templating", {}).get("list", [])}
    panels = list(dash.get("panels", []))
    for p in list(panels):
        panels.extend(p.get("panels", []))  # panels of collapsed rows
    ids, used, queried = set(), set(), 0
    for p in panels:
        pid = p.get("id")
        if pid in ids:
            problems.append(f"dashboard: panel id {pid} used twice")
        ids.add(pid)
        if "gridPos" not in p:
            problems.append(f"dashboard panel {pid} ({p.get('title')}): no gridPos")
        if p.get("type") == "row":
            continue
        targets = p.get("targets") or []
        if not targets:
            problems.append(f"dashboard panel {pid} ({p.get('title')}): no query")
        ds = json.dumps(p.get("datasource"))
        if "${datasource}" not in ds:
            problems.append(f"dashboard panel {pid} ({p.get('title')}): datasource is not ${{datasource}}")
        for t in targets:
            expr = t.get("expr", "")
            used |= check_expr(f"dashboard panel {pid} ({p.get('title')}) {t.get('refId')}", expr, exported, problems)
            for var in re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", expr):
                if not var.startswith("__") and var not in variables:
                    problems.append(f"dashboard panel {pid}: unknown variable ${var}")
            queried += 1
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("expr"):
            used |= check_expr(f"dashboard annotation {a.get('name')}", a["expr"], exported, problems)
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            m = re.match(r"label_values\((.*),\s*[a-z_]+\)\s*$", q)
            if not m:
                problems.append(f"dashboard variable {v.get('name')}: not a label_values() query")
            else:
                used |= check_expr(f"dashboard variable {v.get('name')}", m.group(1), exported, problems)
    return len(panels), queried, used


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrape", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    with open(a.scrape) as f:
        exported = parse_exposition(f.read())
    problems = []
    alerts, rule_metrics = check_rules(a.rules, a.repo, exported, problems)
    panels, queries, dash_metrics = check_dashboard(a.dashboard, exported, problems)
    for p in problems:
        print(f"check_monitoring: {p}")
    print(
        f"check_monitoring: {len(alerts)} alerts over {len(rule_metrics)} metrics, {panels} panels with "
        f"{queries} queries over {len(dash_metrics)} metrics, {len(exported)} series names exported; "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
