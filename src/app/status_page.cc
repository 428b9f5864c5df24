// SPDX-License-Identifier: MIT
// The status page as HTML: inline CSS, inline SVG chart, one small inline script that refetches the page.
#include "status_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sgdns/util/duration_text.h"
#include "world_report.h"

namespace sgdns::app {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return {};
}

double num(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

const json& list(const json& j, const char* key) {
  static const json kEmpty = json::array();
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : kEmpty;
}

std::string e(const std::string& text) {
  return html_escape(text);
}

/// "14:03:07Z" for today's events, the full UTC time otherwise.
std::string when(double at, double now) {
  if (at <= 0) return "never";
  std::string t = utc_time(at);
  return now - at < 86400 && now >= at ? t.substr(11) : t;
}

/// "in 4m 30s" / "5s ago": relative times read faster than absolute ones on a phone.
std::string relative(double at, double now) {
  long ms = std::lround(std::fabs(at - now) * 1000);
  std::string span = util::duration_text(ms < 1000 ? 1000 : ms - ms % 1000);
  return at >= now ? "in " + span : span + " ago";
}

std::string badge(const std::string& state) {
  const std::string cls = state == "up" ? "up" : state == "down" ? "down" : "other";
  return "<span class=\"badge " + cls + "\">" + e(state) + "</span>";
}

constexpr const char* kStyle = R"css(
:root{--bg:#fff;--fg:#1b1f23;--mute:#667;--line:#dde;--up:#1a7f37;--down:#cf222e;--other:#9a6700;--bar:#3b6fd4}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e6edf3;--mute:#8b949e;--line:#30363d;--bar:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline}
h1{font-size:20px;margin:0}h2{font-size:17px;margin:20px 0 6px}h3{font-size:15px;margin:12px 0 4px}
.mute{color:var(--mute)}.stale{color:var(--down);font-weight:600}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:300px}
th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:13px}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:3.2em;text-align:center;border-radius:4px;padding:0 6px;color:#fff;font-weight:600;font-size:13px}
.badge.up{background:var(--up)}.badge.down{background:var(--down)}.badge.other{background:var(--other)}
.summary{font-size:16px;margin:8px 0}
svg text{fill:var(--fg);font-size:12px}svg rect{fill:var(--bar)}
@media (max-width:600px){body{font-size:14px;padding:8px}.wide{display:none}}
)css";

/// Refetches the page every refresh_ms and swaps in its body, so the reader keeps their scroll position; a
/// failed fetch marks the page stale instead of leaving old states on screen as if they were current.
constexpr const char* kScript = R"js(
(function(){var ms=+document.body.dataset.refresh||1000;
function tick(){fetch(location.href,{cache:"no-store",credentials:"same-origin"})
.then(function(r){if(!r.ok)throw new Error("HTTP "+r.status);return r.text();})
.then(function(t){var d=new DOMParser().parseFromString(t,"text/html");
document.getElementById("page").replaceWith(d.getElementById("page"));})
.catch(function(err){var s=document.getElementById("updated");
if(s){s.className="stale";s.textContent="stale: "+err.message;}})
.finally(function(){setTimeout(tick,ms);});}
setTimeout(tick,ms);})();
)js";

std::string header_html(const json& m) {
  const double now = num(m, "now");
  int members = 0, down = 0;
  for (const json& p : list(m, "pools")) {
    for (const json& x : list(p, "members")) {
      ++members;
      if (str(x, "effective") == "down") ++down;
    }
  }
  std::string out = "<header><h1>sgdns</h1><span>" + e(str(m, "version")) + "</span><span>generation " +
                    e(str(m, "generation")) + "</span><span>up " +
                    e(util::duration_text(std::lround(std::max(0.0, now - num(m, "started"))) * 1000)) +
                    "</span><span id=\"updated\" class=\"mute\">updated " + e(when(now, now)) +
                    "</span></header>\n";
  out += "<p class=\"summary\" data-down=\"" + std::to_string(down) + "\">" +
         (down == 0 ? badge("up") + " all " + std::to_string(members) + " members up"
                    : badge("down") + " " + std::to_string(down) + " of " + std::to_string(members) +
                          " members down") +
         "</p>\n";
  return out;
}

/// Horizontal bars: a phone-width chart needs no axis, only names, bars and numbers.
std::string region_chart(const json& regions) {
  double most = 1;
  for (const json& r : regions) most = std::max(most, num(r, "answers"));
  double total = 0;
  for (const json& r : regions) total += num(r, "answers");
  const int row = 22, height = row * static_cast<int>(regions.size()) + 4;
  std::string out = "<svg role=\"img\" aria-label=\"answers by region\" viewBox=\"0 0 360 " +
                    std::to_string(height) + "\" width=\"100%\" style=\"max-width:560px\">";
  int y = 2;
  for (const json& r : regions) {
    const double n = num(r, "answers");
    char share[32];
    std::snprintf(share, sizeof share, "%.0f (%.0f%%)", n, total > 0 ? 100 * n / total : 0.0);
    const int width = static_cast<int>(std::lround(180 * n / most));
    out += "<text x=\"0\" y=\"" + std::to_string(y + 15) + "\">" + e(str(r, "name")) + "</text>";
    out += "<rect x=\"90\" y=\"" + std::to_string(y + 3) + "\" height=\"14\" width=\"" +
           std::to_string(width) + "\"/>";
    out += "<text x=\"" + std::to_string(96 + width) + "\" y=\"" + std::to_string(y + 15) + "\">" + share +
           "</text>";
    y += row;
  }
  return out + "</svg>\n";
}

std::string regions_html(const json& m) {
  const json& regions = list(m, "regions");
  std::string out = "<section><h2>Regions</h2>\n";
  if (regions.empty()) return out + "<p class=\"mute\">No regions configured.</p></section>\n";
  out += "<h3>Answers by region since start</h3>\n" + region_chart(regions);
  out += "<div class=\"scroll\"><table><tr><th>region</th><th>falls back to</th><th>answers</th></tr>\n";
  for (const json& r : regions) {
    std::string fallback;
    for (const json& f : list(r, "fallback"))
      fallback += (fallback.empty() ? "" : ", ") + e(f.is_string() ? f.get<std::string>() : "");
    out += "<tr><td>" + e(str(r, "name")) + "</td><td>" + (fallback.empty() ? "-" : fallback) +
           "</td><td class=\"n\">" + e(str(r, "answers")) + "</td></tr>\n";
  }
  return out + "</table></div></section>\n";
}

std::string probe_cell(const json& member) {
  if (str(member, "probe") == "unchecked") return "<span class=\"mute\">not probed</span>";
  const json& r = member.contains("last_result") ? member["last_result"] : json();
  if (!r.is_object()) return "<span class=\"mute\">no probe yet</span>";
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.1f ms", num(r, "seconds") * 1000);
  const bool ok = r.contains("ok") && r["ok"].is_boolean() && r["ok"].get<bool>();
  return (ok ? std::string("ok") : "<b>" + e(str(r, "failure")) + "</b>") + " " + latency;
}

std::string override_cell(const json& o, double now) {
  if (!o.is_object()) return "-";
  std::string out = badge(str(o, "state")) + " " + e(str(o, "reason"));
  if (num(o, "expires") > 0)
    out += " <span class=\"mute\">(expires " + relative(num(o, "expires"), now) + ")</span>";
  return out;
}

std::string pools_html(const json& m) {
  const double now = num(m, "now");
  std::string out = "<section><h2>Pools and members</h2>\n";
  for (const json& p : list(m, "pools")) {
    const std::string region = str(p, "region"), check = str(p, "check");
    out += "<h3>" + e(str(p, "name")) + " <span class=\"mute\">" +
           (region.empty() ? "no region" : "region " + e(region)) + ", " +
           (check.empty() ? "not probed" : "check " + e(check)) + "</span></h3>\n";
    out +=
        "<div class=\"scroll\"><table><tr><th>member</th><th>state</th><th>last probe</th>"
        "<th>flips 1h</th><th>override</th></tr>\n";
    for (const json& x : list(p, "members")) {
      const std::string key = str(p, "name") + "/" + str(x, "member");
      out += "<tr data-member=\"" + e(key) + "\" data-state=\"" + e(str(x, "effective")) + "\"><td>" +
             e(str(x, "address")) + "</td><td>" + badge(str(x, "effective")) + "</td><td>" + probe_cell(x) +
             "</td><td class=\"n\">" + e(str(x, "flips")) + "</td><td>" +
             override_cell(x.contains("override") ? x["override"] : json(), now) + "</td></tr>\n";
    }
    out += "</table></div>\n";
  }
  return out + "</section>\n";
}

std::string overrides_html(const json& m) {
  const double now = num(m, "now");
  const json& overrides = list(m, "overrides");
  std::string out = "<section><h2>Overrides</h2>\n";
  if (overrides.empty()) return out + "<p class=\"mute\">None in force.</p></section>\n";
  out +=
      "<div class=\"scroll\"><table><tr><th>pool/member</th><th>state</th><th>reason</th><th>set</th>"
      "<th>expires</th></tr>\n";
  for (const json& o : overrides) {
    out += "<tr><td>" + e(str(o, "pool") + "/" + str(o, "member")) + "</td><td>" + badge(str(o, "state")) +
           "</td><td>" + e(str(o, "reason")) + "</td><td>" + e(relative(num(o, "set_at"), now)) +
           "</td><td>" + (num(o, "expires") > 0 ? e(relative(num(o, "expires"), now)) : "until cleared") +
           "</td></tr>\n";
  }
  return out + "</table></div></section>\n";
}

std::string flips_html(const json& m) {
  const double now = num(m, "now");
  const json& flips = list(m, "flips");
  std::string out = "<section><h2>Flips in the last hour: " + std::to_string(flips.size()) + "</h2>\n";
  if (flips.empty()) return out + "</section>\n";
  // Newest first, and only as many as a screen holds: the count above and the per-member column say the rest.
  constexpr std::size_t kShown = 30;
  out += "<div class=\"scroll\"><table><tr><th>time</th><th>endpoint</th><th>to</th></tr>\n";
  for (std::size_t i = 0; i < flips.size() && i < kShown; ++i) {
    const json& f = flips[flips.size() - 1 - i];
    out += "<tr><td>" + e(when(num(f, "at"), now)) + "</td><td>" + e(str(f, "endpoint")) + "</td><td>" +
           badge(str(f, "to")) + "</td></tr>\n";
  }
  return out + "</table></div></section>\n";
}

std::string zones_and_reloads_html(const json& m) {
  const double now = num(m, "now");
  std::string out =
      "<section><h2>Zones</h2>\n<div class=\"scroll\"><table><tr><th>zone</th><th>serial</th>"
      "<th class=\"wide\">records</th></tr>\n";
  for (const json& z : list(m, "zones"))
    out += "<tr><td>" + e(str(z, "origin")) + "</td><td class=\"n\">" + e(str(z, "serial")) +
           "</td><td class=\"n wide\">" + e(str(z, "records")) + "</td></tr>\n";
  out += "</table></div></section>\n<section><h2>Recent reloads</h2>\n";
  const json& reloads = list(m, "reloads");
  if (reloads.empty()) return out + "<p class=\"mute\">None since start.</p></section>\n";
  out +=
      "<div class=\"scroll\"><table><tr><th>time</th><th>by</th><th>outcome</th><th>generation</th>"
      "<th class=\"wide\">message</th></tr>\n";
  for (const json& r : reloads) {
    const bool ok = r.contains("ok") && r["ok"].is_boolean() && r["ok"].get<bool>();
    out += "<tr><td>" + e(when(num(r, "at"), now)) + "</td><td>" + e(str(r, "trigger")) + "</td><td>" +
           (ok ? "<span class=\"badge up\">ok</span>" : "<span class=\"badge down\">refused</span>") +
           "</td><td class=\"n\">" + e(str(r, "generation")) + "</td><td class=\"wide\">" +
           e(str(r, "message")) + "</td></tr>\n";
  }
  return out + "</table></div></section>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_status_page(const json& model) {
  const long refresh = std::clamp(std::lround(num(model, "refresh_ms")), 250L, 60000L);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>sgdns status</title>\n"
      // An empty inline icon: without it every browser fetches /favicon.ico, an outside request (and a 404).
      "<link rel=\"icon\" href=\"data:,\">\n<noscript><meta http-equiv=\"refresh\" "
      "content=\"5\"></noscript>\n<style>";
  out += kStyle;
  out += "</style></head>\n<body data-refresh=\"" + std::to_string(refresh) + "\">\n<main id=\"page\">\n";
  out += header_html(model) + regions_html(model) + pools_html(model) + overrides_html(model) +
         flips_html(model) + zones_and_reloads_html(model);
  out += "</main>\n<script>";
  out += kScript;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace sgdns::app
