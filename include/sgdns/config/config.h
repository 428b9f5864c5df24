// SPDX-License-Identifier: MIT
// Server configuration: from the command line and from a JSON file (docs/configuration.md). Parsing only:
// world/build.h turns a Config into a World. Every mistake is reported with where it is (flag name or
// JSON path) and why.
#pragma once
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/config/duration.h"
#include "sgdns/dns/address.h"
#include "sgdns/dnssec/signed_zone.h"
#include "sgdns/dnstap/settings.h"
#include "sgdns/engine/world.h"
#include "sgdns/policy/spec.h"
#include "sgdns/util/log.h"

namespace sgdns::config {

/// A configuration mistake; the message starts with the flag or JSON path it is about.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Every mistake found in one pass (configuration, policy, zones, GeoIP files), in the order found, with
/// failover budgets last. what() joins them with "; " (one log line); problems() lists them.
class ConfigErrors : public ConfigError {
 public:
  explicit ConfigErrors(std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Collects mistakes instead of stopping at the first: each step that throws a ConfigError (or several,
/// as ConfigErrors) adds to the list and the next step runs.
class Problems {
 public:
  template <typename F>
  bool attempt(F step) {
    try {
      step();
      return true;
    } catch (const ConfigErrors& e) {
      list_.insert(list_.end(), e.problems().begin(), e.problems().end());
    } catch (const ConfigError& e) {
      list_.push_back(e.what());
    }
    return false;
  }
  void add(std::string problem) { list_.push_back(std::move(problem)); }
  [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
  /// Throws ConfigErrors with everything collected, each prefixed with `prefix` (when not empty).
  void throw_if_any(const std::string& prefix = "") const;

 private:
  std::vector<std::string> list_;
};

/// One DNSSEC key of a zone (docs/dnssec.md): its BIND key files, what it signs, whether it signs yet.
struct ZoneKeySource {
  std::string file;  // path of K<zone>+<alg>+<tag> (.key and .private beside each other)
  dnssec::KeyRole role = dnssec::KeyRole::Csk;
  bool signs = true;  // false: published in DNSKEY only (pre-published or retiring)
};

struct ZoneSource {
  ZoneSource() = default;
  ZoneSource(std::string o, std::string f, engine::ZoneReplication r = {})
      : origin(std::move(o)), file(std::move(f)), replication(std::move(r)) {}
  std::string origin;  // absolute, with the trailing dot
  std::string file;    // for a secondary zone: where the copy fetched from the primary is kept
  engine::ZoneReplication replication;
  std::vector<ZoneKeySource> keys = {};  // DNSSEC keys; none: the zone is served unsigned
};

/// A TSIG key named in the configuration; its secret is in `file` (BIND, Knot or NSD key format).
struct KeySource {
  std::string name;  // lowercase, with the trailing dot
  std::string file;
};

/// The admin HTTP port (docs/configuration.md `admin`); off unless a listen address is given.
struct AdminConfig {
  std::optional<dns::SocketAddress> listen;
  std::string token_file;       // bearer token for writes; without one every write is refused
  std::string read_token_file;  // bearer token that reads then need (status, explain, metrics); none: open
  std::string state_file;       // where operator overrides persist; default: none (lost at exit)
  std::string tls_certificate;  // PEM certificate chain: the port speaks HTTPS; none: plain HTTP
  std::string tls_key;          // PEM private key; none: it is in the certificate file
};

/// The fleet (docs/operations.md "The fleet"): overrides, heartbeats and optionally health shared by every
/// instance through etcd's v3 JSON gateway. Off unless endpoints are given; read at start.
/// How often each instance writes its heartbeat (and, with shared_health, its probe states) to etcd: the
/// longest a probe result waits before the other instances can see it.
inline constexpr int kFleetHeartbeatMs = 1000;

struct FleetConfig {
  std::vector<std::string> endpoints;  // http(s)://HOST:PORT of etcd members, tried in order
  std::string prefix;                  // every key of this deployment starts with it ("/sgdns/prod")
  std::string instance;                // this instance's name; default: the NSID, else the host name
  std::string ca_file;                 // PEM CA that signed etcd's certificate (https endpoints)
  std::string client_certificate;      // PEM client certificate, when etcd asks for one
  std::string client_key;              // its PEM key (default: in the certificate file)
  std::string username;                // etcd user (auth enabled); its password is in password_file
  std::string password_file;
  bool shared_health = false;  // decide members' health with the other instances' probes
  int quorum = 2;              // instances that must report a member down for it to be down fleet-wide
  [[nodiscard]] bool enabled() const noexcept { return !endpoints.empty(); }
};

/// Longest NSID accepted (RFC 5001 sets no limit; 128 bytes names any node and keeps replies small).
inline constexpr std::size_t kMaxNsid = 128;
/// Longest CHAOS identity or version text: one TXT character-string.
inline constexpr std::size_t kMaxChaosText = 255;

/// TCP limits (docs/operations.md, "TCP limits"): read at start, a change needs a restart.
struct TcpLimits {
  /// A connection that has sent no complete query for this long is closed (RFC 7766 6.2.3).
  long idle_timeout_ms = 10'000;
  /// A query must arrive whole within this of its first byte. Knot's tcp-io-timeout is 500 ms; twice
  /// that leaves room for one lost segment (a 200 ms minimum RTO plus the round trip) on a long path,
  /// and still frees a slot a slow-drip client holds within a second.
  long query_timeout_ms = 1'000;
  /// Each write of queued replies (at most 64 KiB) must be taken by the kernel within this: 256 kbit/s
  /// of goodput while a backlog waits, which any resolver or secondary exceeds; a client that stops
  /// reading is closed once its socket buffer is full and this has passed.
  long reply_timeout_ms = 2'000;
  int max_connections = 1024;
  /// Connections from one address (IPv6: one /64, what a single host holds).
  int max_per_source = 64;
  /// Replies one connection may have waiting before its next query is parsed.
  std::size_t max_pending = 64 * 1024;
  /// Zone transfers sent at once. Each holds the zone version it started from (a reload frees the old
  /// one only when the last transfer of it ends) and costs a core while the reader keeps up; 16 lets a
  /// fleet of secondaries refresh together, as BIND's transfers-out default (10) does, with some room.
  int max_transfers = 16;
};

struct Config {
  std::string config_file;        // empty when everything came from flags
  std::string config_sha256;      // hex SHA-256 of the file's bytes as read (compare with `sha256sum`)
  std::vector<std::string> argv;  // the command line, re-read on reload
  std::vector<ZoneSource> zones;
  std::vector<KeySource> keys;
  /// Where each zone's IXFR journal is kept (<dir>/<origin>journal); empty: journals in memory only.
  std::string journal_dir;
  zone::JournalLimits journal_limits;
  std::vector<dns::SocketAddress> listen;
  int threads = 0;  // UDP workers; 0 = one per core
  TcpLimits tcp;
  std::string cookie_secret_file;  // RFC 9018 secret(s); empty: a random secret made at start
  log::Level log_level = log::Level::Info;
  engine::Options options;
  policy::PolicySpec policy;  // regions, pools, dynamic records (empty without a configuration file)
  AdminConfig admin;
  bool axfr_allow_set = false;  // else AXFR is allowed from loopback only
  std::string user;             // started as root: the user to run as once every socket is bound
  std::string group;            // its group; default: the user's primary group
  dnstap::Settings dnstap;      // query analytics; off unless a socket is given (read at start)
  FleetConfig fleet;            // shared state through etcd; off unless endpoints are given
};

enum class CommandLineAction { Run, Help, Version };

struct CommandLine {
  CommandLineAction action = CommandLineAction::Run;
  Config config;
};

/// Parses argv (flags documented by usage()). Throws ConfigError naming the flag.
[[nodiscard]] CommandLine parse_command_line(int argc, const char* const* argv);
[[nodiscard]] std::string usage();

/// A user or group name as `user`/`group` take it: a POSIX portable name (letters, digits, '.', '_', '-',
/// not starting with '-') of at most 32 bytes, or a numeric id. Throws std::invalid_argument.
[[nodiscard]] std::string parse_account_name(std::string_view text);

/// The keys a configuration file may have at its top level (docs/configuration.md, sgdns.json(5)).
[[nodiscard]] const std::vector<const char*>& top_level_keys();

/// Reads a JSON configuration file. Throws ConfigError with the JSON path of the mistake, or
/// ConfigErrors listing every mistake when there are several.
[[nodiscard]] Config load_config_file(const std::string& path);
/// Applies JSON text (for tests); relative zone paths resolve against `base_dir`.
[[nodiscard]] Config parse_config_json(const std::string& text, const std::string& base_dir);

/// The configuration the server reloads into on SIGHUP: the same command line parsed again, so the
/// configuration file is re-read and flags still override it.
[[nodiscard]] Config reload_config(const Config& current);

/// Reads a DNS Cookie secret file: one or two lines of 32 hex digits (128 bits), the first making new
/// server cookies, the second only accepted (the secret being rotated out); blank lines and lines starting
/// with '#' are ignored. Throws ConfigError naming the file and line.
void read_cookie_secrets(const std::string& path, engine::CookieOptions& out);

}  // namespace sgdns::config
