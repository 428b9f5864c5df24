// SPDX-License-Identifier: MIT
// Command-line entry: flags, --help, --version, and one clear line for anything that stops the start.
#include <cstdio>
#include <exception>

#include "sgdns/app/backup.h"
#include "sgdns/app/build_info.h"
#include "sgdns/app/check.h"
#include "sgdns/app/ctl.h"
#include "sgdns/app/explain.h"
#include "sgdns/app/geoip_report.h"
#include "sgdns/app/server.h"

#include <string>
#include "sgdns/zone/error.h"

namespace sgdns::app {

int main_entry(int argc, const char* const* argv) {
  try {
    if (argc > 1 && std::string(argv[1]) == "explain") return run_explain(argc - 1, argv + 1);
    if (argc > 1 && std::string(argv[1]) == "ctl") return run_ctl(argc - 1, argv + 1);
    if (argc > 1 && std::string(argv[1]) == "check") return run_check(argc - 1, argv + 1);
    if (argc > 1 && std::string(argv[1]) == "backup") return run_backup(argc - 1, argv + 1);
    if (argc > 1 && std::string(argv[1]) == "geoip-report") return run_geoip_report(argc - 1, argv + 1);
    config::CommandLine cl = config::parse_command_line(argc, argv);
    if (cl.action == config::CommandLineAction::Help) {
      std::fputs(config::usage().c_str(), stdout);
      return 0;
    }
    if (cl.action == config::CommandLineAction::Version) {
      std::fputs(version_text().c_str(), stdout);
      return 0;
    }
    return run_server(std::move(cl.config));
  } catch (const config::ConfigErrors& e) {
    for (const auto& problem : e.problems()) std::fprintf(stderr, "sgdns: %s\n", problem.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgdns: %s\n", e.what());
    return 2;
  }
}

}  // namespace sgdns::app
