// SPDX-License-Identifier: MIT
// The `tcp`, `rrl` and `cookies` keys (docs/configuration.md), each checked and named by its path.
#include "limits_json.h"

#include "defaults.h"

namespace sgdns::config {

void read_tcp(const Node& n, TcpLimits& tcp) {
  n.only({"idle_timeout", "max_connections", "max_per_source", "query_timeout", "reply_timeout",
          "max_pending", "max_transfers"});
  auto timeout = [&n](const char* key, long lo_ms) { return n[key].duration_ms(lo_ms, 3'600'000); };
  if (n.has("idle_timeout")) tcp.idle_timeout_ms = timeout("idle_timeout", 100);
  if (n.has("query_timeout")) tcp.query_timeout_ms = timeout("query_timeout", 10);
  if (n.has("reply_timeout")) tcp.reply_timeout_ms = timeout("reply_timeout", 10);
  if (n.has("max_connections"))
    tcp.max_connections = static_cast<int>(n["max_connections"].integer(1, 1'000'000));
  if (n.has("max_per_source"))
    tcp.max_per_source = static_cast<int>(n["max_per_source"].integer(1, 1'000'000));
  // At least one largest reply, so that any single query can always be answered.
  if (n.has("max_transfers")) tcp.max_transfers = static_cast<int>(n["max_transfers"].integer(1, 10'000));
  if (n.has("max_pending"))
    tcp.max_pending = static_cast<std::size_t>(n["max_pending"].integer(65'537, 64L * 1024 * 1024));
}

void read_rrl(const Node& n, rrl::Settings& rrl) {
  if (n.value().is_boolean()) {
    rrl.enabled = n.boolean();
    return;
  }
  n.only({"enabled", "rate", "window", "slip", "ipv4_prefix", "ipv6_prefix", "exempt", "table_size"});
  if (n.has("enabled")) rrl.enabled = n["enabled"].boolean();
  if (n.has("rate")) rrl.rate = static_cast<std::uint32_t>(n["rate"].integer(1, kMaxRrlRate));
  if (n.has("window")) rrl.window = static_cast<std::uint32_t>(n["window"].integer(1, 60));
  if (n.has("slip")) rrl.slip = static_cast<std::uint32_t>(n["slip"].integer(0, 10));
  if (n.has("ipv4_prefix")) rrl.ipv4_prefix = static_cast<std::uint8_t>(n["ipv4_prefix"].integer(8, 32));
  if (n.has("ipv6_prefix")) rrl.ipv6_prefix = static_cast<std::uint8_t>(n["ipv6_prefix"].integer(16, 128));
  if (n.has("exempt")) {
    Node e = n["exempt"];
    e.array();
    for (std::size_t i = 0; i < e.size(); ++i) rrl.exempt.push_back(e[i].parsed(dns::parse_prefix));
  }
  if (n.has("table_size")) {
    // Rounded up to a power of two by the table; 2^28 buckets is 2 GiB, far past any need.
    rrl.table_size = static_cast<std::size_t>(n["table_size"].integer(1024, 1L << 28));
  }
}

void read_cookies(const Node& n, Config& c, const std::string& base_dir) {
  if (n.value().is_boolean()) {
    c.options.cookies.enabled = n.boolean();
    return;
  }
  n.only({"enabled", "secret_file"});
  if (n.has("enabled")) c.options.cookies.enabled = n["enabled"].boolean();
  if (n.has("secret_file")) c.cookie_secret_file = resolve_path(base_dir, n["secret_file"].string());
}

}  // namespace sgdns::config
