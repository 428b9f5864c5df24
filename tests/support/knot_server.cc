// SPDX-License-Identifier: MIT
// A throwaway knotd instance on a loopback port, the reference server for differential tests.
#include "knot_server.h"

#include <unistd.h>

#include <stdexcept>

namespace sgdns::test {

std::string find_knotd() {
  for (const char* path : {"/usr/sbin/knotd", "/usr/local/sbin/knotd"})
    if (::access(path, X_OK) == 0) return path;
  auto which = run_command("command -v knotd", Millis(5000));
  std::string path = which.output.substr(0, which.output.find('\n'));
  return which.exit_code == 0 && !path.empty() ? path : "";
}

KnotServer::KnotServer(const std::vector<std::pair<std::string, std::string>>& zones) : port_(free_port()) {
  std::string knotd = find_knotd();
  if (knotd.empty()) throw std::runtime_error("knotd is not installed (apt-get install knot)");
  // semantic-checks off: the zone deliberately holds odd data (a CNAME loop, dangling CNAMEs).
  // zonefile-sync -1 and journal-content none: knotd must never rewrite the shared zone file.
  std::string conf =
      "server:\n"
      "    rundir: \"" +
      dir_.path() +
      "\"\n"
      "    listen: 127.0.0.1@" +
      std::to_string(port_) +
      "\n"
      "log:\n"
      "  - target: stderr\n"
      "    any: info\n"
      "database:\n"
      "    storage: \"" +
      dir_.path() +
      "\"\n"
      "template:\n"
      "  - id: default\n"
      "    storage: \"" +
      dir_.path() +
      "\"\n"
      "    semantic-checks: off\n"
      "    zonefile-sync: -1\n"
      "    zonefile-load: whole\n"
      "    journal-content: none\n"
      "zone:\n";
  for (const auto& [origin, path] : zones) conf += "  - domain: " + origin + "\n    file: \"" + path + "\"\n";
  std::string conf_path = dir_.write("knot.conf", conf);
  process_ =
      std::make_unique<Process>(std::vector<std::string>{knotd, "-c", conf_path}, dir_.file("knotd.log"));
  if (zones.empty() || !wait_until_answers(*process_, "127.0.0.1", port_, zones.front().first))
    throw std::runtime_error("knotd did not start; config:\n" + conf + "\nlog:\n" + process_->log());
}

}  // namespace sgdns::test
