// SPDX-License-Identifier: MIT
// Command-line flags: quick use and tests without a configuration file, or --config FILE.
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "defaults.h"
#include "sgdns/config/config.h"
#include "sgdns/util/args.h"

namespace sgdns::config {
namespace {

long parse_int(const std::string& flag, const std::string& value, long lo, long hi) {
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || v < lo || v > hi)
    throw ConfigError(flag + ": expected a number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                      ", got \"" + value + "\"");
  return v;
}

// Every flag `sgdns` knows, and whether a value follows it (usage() explains each).
constexpr args::Flag kFlags[] = {
    {"--help"},
    {"-h"},
    {"--version"},
    {"--no-chaos"},
    {"--no-rrl"},
    {"--config", true},
    {"--zone", true},
    {"--listen", true},
    {"--nsid", true},
    {"--threads", true},
    {"--axfr-allow", true},
    {"--tcp-idle-timeout", true},
    {"--tcp-max-connections", true},
    {"--edns-max-payload", true},
    {"--log-level", true},
    {"--admin", true},
    {"--admin-token-file", true},
    {"--admin-read-token-file", true},
    {"--admin-tls-certificate", true},
    {"--admin-tls-key", true},
    {"--state-file", true},
    {"--user", true},
    {"--group", true},
    {"--rrl-rate", true},
    {"--cookie-secret-file", true},
};

ZoneSource parse_zone_flag(const std::string& value) {
  auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
    throw ConfigError("--zone: expected ORIGIN=FILE, got \"" + value + "\"");
  std::string origin = value.substr(0, eq);
  if (origin.back() != '.') origin += '.';
  return {origin, value.substr(eq + 1), {}};
}

}  // namespace

std::string usage() {
  return R"(Usage: sgdns [options]
       sgdns --config FILE
       sgdns check [--json] --config FILE [options]
       sgdns backup --config FILE DIR
       sgdns geoip-report [--json] --config FILE [options]
       sgdns explain --config FILE [--client IP] [--ecs ADDRESS/LENGTH] NAME [TYPE]
       sgdns ctl [--config FILE] [--admin ADDR:PORT] [--token-file FILE] COMMAND ...

Authoritative DNS server for the StreamGate domain.

Options:
  --config FILE            JSON configuration (docs/configuration.md); flags given with it override it
  --zone ORIGIN=FILE       serve the zone ORIGIN from the master file FILE (repeatable)
  --listen ADDR:PORT       UDP and TCP listen address; IPv6 as [::1]:5353 (repeatable;
                           default 127.0.0.1:5353)
  --nsid TEXT              RFC 5001 name server identifier, also answered to CH TXT id.server
  --threads N              UDP worker threads per listen address (default: one per core)
  --axfr-allow CIDR        addresses allowed to AXFR (repeatable; replaces the default,
                           127.0.0.0/8 and ::1)
  --no-chaos               refuse CH TXT version.bind / id.server queries
  --tcp-idle-timeout TIME  close idle TCP connections after TIME (default 10s)
  --tcp-max-connections N  concurrent TCP connections (default 1024)
  --edns-max-payload N     largest UDP reply with EDNS, 512..4096 (default 1232)
  --rrl-rate N             response rate limit per client network and name, per second (default 200)
  --no-rrl                 no response rate limiting (it is on by default)
  --cookie-secret-file F   DNS Cookie secret(s) shared by the fleet (default: a random one per start)
  --log-level LEVEL        debug, info, warn or error (default info)
  --admin ADDR:PORT        admin HTTP API (status, overrides, explain, reload, metrics)
  --admin-token-file FILE  bearer token that admin writes need
  --admin-read-token-file FILE
                           bearer token that admin reads (status, explain, metrics) then need
  --admin-tls-certificate FILE
                           serve the admin API over HTTPS with this PEM certificate (chain)
  --admin-tls-key FILE     its PEM private key (default: in the certificate file)
  --state-file FILE        where operator overrides persist
  --user NAME              started as root: bind every socket, then run as this user
  --group NAME             ... and this group (default: the user's primary group)
  --help                   this text
  --version                version, commit, build type and library versions

Signals: SIGHUP reloads zones and configuration (a broken zone is refused and the old
data keeps serving); SIGTERM and SIGINT stop the server.
See sgdns(8) and sgdns.json(5); `sgdns check --help`, `sgdns ctl --help`.
)";
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine cl;
  Config flags;
  std::string config_file;
  bool axfr_given = false, listen_given = false;
  std::vector<dns::Prefix> axfr;
  struct Overrides {
    bool nsid = false, threads = false, chaos = false, idle = false, maxconn = false, payload = false,
         level = false, rrl_off = false, rrl_rate = false;
  } set;
  std::vector<args::Item> items;
  try {
    items = args::split(argc, argv, kFlags, false, "(see --help)");
  } catch (const args::UsageError& e) {
    throw ConfigError(e.what());
  }
  for (const args::Item& item : items) {
    const std::string& flag = item.flag;
    const std::string& value = item.value;
    try {
      if (flag == "--help" || flag == "-h") {
        cl.action = CommandLineAction::Help;
      } else if (flag == "--version") {
        cl.action = CommandLineAction::Version;
      } else if (flag == "--config") {
        config_file = value;
      } else if (flag == "--zone") {
        flags.zones.push_back(parse_zone_flag(value));
      } else if (flag == "--listen") {
        flags.listen.push_back(dns::parse_socket_address(value));
        listen_given = true;
      } else if (flag == "--nsid") {
        if (value.size() > kMaxNsid) throw ConfigError("at most " + std::to_string(kMaxNsid) + " bytes");
        flags.options.nsid = value;
        set.nsid = true;
      } else if (flag == "--threads") {
        flags.threads = static_cast<int>(parse_int(flag, value, 1, 256));
        set.threads = true;
      } else if (flag == "--axfr-allow") {
        axfr.push_back(dns::parse_prefix(value));
        axfr_given = true;
      } else if (flag == "--no-chaos") {
        flags.options.chaos_enabled = false;
        set.chaos = true;
      } else if (flag == "--tcp-idle-timeout") {
        flags.tcp.idle_timeout_ms = parse_duration_ms(value);
        if (flags.tcp.idle_timeout_ms < 100 || flags.tcp.idle_timeout_ms > 3'600'000)
          throw ConfigError("must be from 100ms to 1h, got " + duration_text(flags.tcp.idle_timeout_ms));
        set.idle = true;
      } else if (flag == "--tcp-max-connections") {
        flags.tcp.max_connections = static_cast<int>(parse_int(flag, value, 1, 1'000'000));
        set.maxconn = true;
      } else if (flag == "--no-rrl") {
        set.rrl_off = true;
      } else if (flag == "--rrl-rate") {
        flags.options.rrl.rate = static_cast<std::uint32_t>(parse_int(flag, value, 1, kMaxRrlRate));
        set.rrl_rate = true;
      } else if (flag == "--cookie-secret-file") {
        flags.cookie_secret_file = value;
      } else if (flag == "--edns-max-payload") {
        flags.options.edns_max_payload = static_cast<std::uint16_t>(parse_int(flag, value, 512, 4096));
        set.payload = true;
      } else if (flag == "--admin") {
        flags.admin.listen = dns::parse_socket_address(value);
      } else if (flag == "--admin-token-file") {
        flags.admin.token_file = value;
      } else if (flag == "--admin-read-token-file") {
        flags.admin.read_token_file = value;
      } else if (flag == "--admin-tls-certificate") {
        flags.admin.tls_certificate = value;
      } else if (flag == "--admin-tls-key") {
        flags.admin.tls_key = value;
      } else if (flag == "--state-file") {
        flags.admin.state_file = value;
      } else if (flag == "--user") {
        flags.user = parse_account_name(value);
      } else if (flag == "--group") {
        flags.group = parse_account_name(value);
      } else if (flag == "--log-level") {
        if (!log::parse_level(value, flags.log_level))
          throw ConfigError("expected debug, info, warn or error");
        set.level = true;
      } else {
        throw ConfigError(flag + ": unknown option (see --help)");
      }
    } catch (const ConfigError& e) {
      std::string what = e.what();
      throw ConfigError(what.rfind("--", 0) == 0 ? what : flag + ": " + what);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(flag + ": " + e.what());
    }
  }
  if (cl.action != CommandLineAction::Run) return cl;

  Config c = config_file.empty() ? Config{} : load_config_file(config_file);
  c.zones.insert(c.zones.end(), flags.zones.begin(), flags.zones.end());
  if (listen_given) c.listen = flags.listen;
  if (axfr_given) {
    c.options.axfr_allow = axfr;
    c.axfr_allow_set = true;
  }
  if (set.nsid) c.options.nsid = flags.options.nsid;
  if (set.threads) c.threads = flags.threads;
  if (set.chaos) c.options.chaos_enabled = false;
  if (set.idle) c.tcp.idle_timeout_ms = flags.tcp.idle_timeout_ms;
  if (set.maxconn) c.tcp.max_connections = flags.tcp.max_connections;
  if (set.rrl_rate) c.options.rrl.rate = flags.options.rrl.rate;
  if (set.rrl_off) c.options.rrl.enabled = false;
  if (!flags.cookie_secret_file.empty()) c.cookie_secret_file = flags.cookie_secret_file;
  if (set.payload) c.options.edns_max_payload = flags.options.edns_max_payload;
  if (set.level) c.log_level = flags.log_level;
  if (flags.admin.listen) c.admin.listen = flags.admin.listen;
  if (!flags.admin.token_file.empty()) c.admin.token_file = flags.admin.token_file;
  if (!flags.admin.state_file.empty()) c.admin.state_file = flags.admin.state_file;
  if (!flags.admin.read_token_file.empty()) c.admin.read_token_file = flags.admin.read_token_file;
  if (!flags.admin.tls_certificate.empty()) c.admin.tls_certificate = flags.admin.tls_certificate;
  if (!flags.admin.tls_key.empty()) c.admin.tls_key = flags.admin.tls_key;
  if (!flags.user.empty()) c.user = flags.user;
  if (!flags.group.empty()) c.group = flags.group;
  if (!c.group.empty() && c.user.empty())
    throw ConfigError("--group / group: needs a user (--user or \"user\")");
  if (!c.admin.tls_key.empty() && c.admin.tls_certificate.empty())
    throw ConfigError("--admin-tls-key / admin.tls_key: needs a certificate (--admin-tls-certificate)");
  apply_defaults(c);
  if (c.zones.empty()) throw ConfigError("no zones: give --zone ORIGIN=FILE or --config FILE (see --help)");
  Problems unreadable;
  for (const ZoneSource& z : c.zones) {
    if (z.replication.primary) {
      // A secondary zone's file is its copy, written by us: it may not exist yet, its folder must take it.
      const std::string::size_type slash = z.file.rfind('/');
      const std::string dir = slash == std::string::npos ? "." : z.file.substr(0, slash == 0 ? 1 : slash);
      if (access(dir.c_str(), W_OK) != 0)
        unreadable.add("zone " + z.origin + ": cannot write its copy into " + dir);
      continue;
    }
    if (access(z.file.c_str(), R_OK) != 0) unreadable.add("zone " + z.origin + ": cannot read " + z.file);
  }
  unreadable.throw_if_any();
  c.argv.assign(argv, argv + argc);
  cl.config = std::move(c);
  return cl;
}

}  // namespace sgdns::config
