// SPDX-License-Identifier: MIT
// The `dnstap` key (docs/configuration.md): query analytics to a Frame Streams socket.
#include "dnstap_json.h"

#include <sys/un.h>

namespace sgdns::config {

void read_dnstap(const Node& n, dnstap::Settings& out, const std::string& base_dir) {
  n.only({"socket", "sample", "log_queries", "log_responses", "identity"});
  if (!n.has("socket")) n.fail("missing \"socket\" (the collector's unix socket)");
  out.socket = resolve_path(base_dir, n["socket"].string());
  // sockaddr_un::sun_path holds the path and its terminating NUL.
  if (out.socket.empty() || out.socket.size() >= sizeof(sockaddr_un{}.sun_path))
    n["socket"].fail("expected a unix socket path of 1 to " +
                     std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  if (n.has("sample")) out.sample = static_cast<std::uint32_t>(n["sample"].integer(1, dnstap::kMaxSample));
  if (n.has("log_queries")) out.log_queries = n["log_queries"].boolean();
  if (n.has("log_responses")) out.log_responses = n["log_responses"].boolean();
  if (!out.log_queries && !out.log_responses)
    n.fail("log_queries and log_responses are both false: nothing to log");
  if (n.has("identity")) {
    out.identity = n["identity"].string();
    // The same bound as the NSID it usually equals: it goes into every frame.
    if (out.identity.size() > kMaxNsid) n["identity"].fail("at most " + std::to_string(kMaxNsid) + " bytes");
  }
}

}  // namespace sgdns::config
