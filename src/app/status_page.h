// SPDX-License-Identifier: MIT
// The status page (GET /status on the admin port): one self-contained HTML document, rendered on the
// server from a JSON model so that it needs no script to be read, no external asset and no second request
// (private to app).
//
// The model (built by status_page_view(), admin_views.h; every field optional):
//   now, started: unix seconds; generation; version: string; refresh_ms: how often the page refetches itself
//   regions:   [{name, fallback: [name...], answers: count}]
//   pools:     [{name, region: name|null, check: name|null, members: [{member, address, probe, effective,
//              override: {state, reason, expires}|null, last_result: {ok, failure, seconds}|null,
//              flips: count in the last hour}]}]
//   flips:     [{at, endpoint, to}]                    the last hour's, oldest first
//   overrides: [{pool, member, state, reason, set_at, expires|null}]
//   zones:     [{origin, serial, records}]
//   reloads:   [{at, trigger, ok, generation, message}] newest first
// Every string from the model is HTML-escaped: override reasons come from admin requests.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace sgdns::app {

/// Text safe in HTML element content and in double-quoted attribute values.
[[nodiscard]] std::string html_escape(const std::string& text);

/// The whole page. Each member row carries data-member="pool/member" and data-state="up"|"down" (its
/// effective state), so that scripts and tests can read it without scraping prose.
[[nodiscard]] std::string render_status_page(const nlohmann::json& model);

}  // namespace sgdns::app
