// SPDX-License-Identifier: MIT
// Configuration: flags, JSON keys, and an error that names the flag or JSON path for every mistake.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "sgdns/config/config.h"

using namespace sgdns;

namespace {

std::string json_error(const std::string& text) {
  try {
    (void)config::parse_config_json(text, "/tmp");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string flags_error(std::vector<const char*> args) {
  args.insert(args.begin(), "sgdns");
  try {
    (void)config::parse_command_line(static_cast<int>(args.size()), args.data());
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("JSON configuration keys are read", "[config]") {
  auto c = config::parse_config_json(R"({"listen": ["127.0.0.1:53", "[::1]:53"], "threads": 3,
    "identity": {"nsid": "fra1", "version": "x", "chaos": false},
    "zones": [{"origin": "example.test", "file": "z.zone"}],
    "edns": {"max_payload": 1400}, "tcp": {"idle_timeout": "2500ms", "max_connections": 10},
    "transfer": {"allow": ["192.0.2.0/24"]}, "log_level": "warn"})",
                                     "/etc/sgdns");
  CHECK(c.listen.size() == 2);
  CHECK(c.listen[1].family() == AF_INET6);
  CHECK(c.threads == 3);
  CHECK(c.options.nsid == "fra1");
  CHECK_FALSE(c.options.chaos_enabled);
  REQUIRE(c.zones.size() == 1);
  CHECK(c.zones[0].origin == "example.test.");
  CHECK(c.zones[0].file == "/etc/sgdns/z.zone");
  CHECK(c.options.edns_max_payload == 1400);
  CHECK(c.tcp.idle_timeout_ms == 2500);
  CHECK(c.tcp.max_connections == 10);
  REQUIRE(c.options.axfr_allow.size() == 1);
  CHECK(c.options.axfr_allow[0].length == 24);
  CHECK(c.log_level == log::Level::Warn);
}

TEST_CASE("JSON mistakes are refused with their path", "[config]") {
  CHECK_THAT(json_error("{"), Catch::StartsWith("invalid JSON"));
  // Found by fuzz_config: a number too large for a double escaped as nlohmann's out_of_range.
  CHECK_THAT(json_error(R"({"threads": 1e999})"), Catch::StartsWith("invalid JSON"));
  CHECK(json_error(R"({"listne": []})") == "listne: unknown key");
  CHECK(json_error(R"({"listen": ["127.0.0.1"]})") ==
        "listen[0]: expected ADDRESS:PORT or [IPv6]:PORT, got \"127.0.0.1\"");
  CHECK(json_error(R"({"threads": "two"})") == "threads: expected an integer from 0 to 256");
  CHECK(json_error(R"({"zones": [{"origin": "a."}]})") == "zones[0]: missing \"file\"");
  CHECK(json_error(R"({"zones": [{"origin": "a.", "file": 3}]})") == "zones[0].file: expected a string");
  CHECK(json_error(R"({"edns": {"max_payload": 100}})") ==
        "edns.max_payload: expected an integer from 512 to 4096");
  CHECK(
      json_error(R"({"tcp": {"idle_timeout": "soon"}})") ==
      "tcp.idle_timeout: \"soon\" is not a duration (expected a whole number of seconds, or one with a unit: "
      "700ms, 90s, 15m, 1h, 2d)");
  // Found by fuzz_config: seconds * 1000 overflowed (undefined behaviour) and negative durations passed.
  CHECK(json_error(R"({"tcp": {"idle_timeout": 9223372036854775807}})") ==
        "tcp.idle_timeout: \"9223372036854775807\" is longer than 366 days");
  CHECK_THAT(json_error(R"({"failover_budget": -5})"),
             Catch::StartsWith("failover_budget: \"-5\" is not a duration"));
  CHECK(json_error(R"({"tcp": {"idle_timeout": 0}})") ==
        "tcp.idle_timeout: must be from 100ms to 1h, got 0s");
  CHECK(
      json_error(R"({"tcp": {"idle_timeout": 1.5}})") ==
      "tcp.idle_timeout: \"1.5\" is not a duration (expected a whole number of seconds, or one with a unit: "
      "700ms, 90s, 15m, 1h, 2d)");
  CHECK(json_error(R"({"failover_budget": "0s"})") == "failover_budget: must be from 1s to 366d, got 0s");
  CHECK(json_error(R"({"transfer": {"allow": ["10.0.0.1/8"]}})") ==
        "transfer.allow[0]: \"10.0.0.1/8\" has bits set past its prefix length");
  CHECK(json_error(R"({"log_level": "loud"})") == "log_level: expected debug, info, warn or error");
  CHECK(json_error(R"({"identity": {"nsid": 1}})") == "identity.nsid: expected a string");
}

TEST_CASE("an empty transfer allow list refuses everyone; the default is loopback", "[config]") {
  CHECK(config::parse_config_json(R"({"transfer": {"allow": []}})", ".").options.axfr_allow.empty());
  CHECK(config::parse_config_json("{}", ".").options.axfr_allow.size() == 2);
}

TEST_CASE("command-line mistakes name the flag", "[config]") {
  CHECK(flags_error({"--bogus", "1"}) == "--bogus: unknown option (see --help)");
  CHECK(flags_error({"--bogus"}) == "--bogus: unknown option (see --help)");
  CHECK(flags_error({"--zone"}) == "--zone: needs a value (see --help)");
  CHECK(flags_error({"--zone", "example.test"}) == "--zone: expected ORIGIN=FILE, got \"example.test\"");
  CHECK(flags_error({"--zone", "example.test=/nonexistent/z.zone"}) ==
        "zone example.test.: cannot read /nonexistent/z.zone");
  CHECK(flags_error({"--threads", "0", "--zone", "a=/dev/null"}) ==
        "--threads: expected a number from 1 to 256, got \"0\"");
  CHECK(flags_error({"--listen", "localhost:53", "--zone", "a=/dev/null"}) ==
        "--listen: bad address \"localhost\" in \"localhost:53\"");
  CHECK(flags_error({"--log-level", "x", "--zone", "a=/dev/null"}) ==
        "--log-level: expected debug, info, warn or error");
  CHECK(flags_error({}) == "no zones: give --zone ORIGIN=FILE or --config FILE (see --help)");
  CHECK(flags_error({"--zone", "a=/dev/null", "--listen", "[::1]:5353", "--no-chaos"}) == "no error");
  CHECK(flags_error({"--zone", "a=/dev/null", "--tcp-idle-timeout", "2m"}) == "no error");
  CHECK(flags_error({"--zone", "a=/dev/null", "--tcp-idle-timeout", "0"}) ==
        "--tcp-idle-timeout: must be from 100ms to 1h, got 0s");
}

TEST_CASE("durations: one syntax for flags, the file, ctl and the API", "[config][duration]") {
  CHECK(config::parse_duration_ms("700ms") == 700);
  CHECK(config::parse_duration_ms("2s") == 2000);
  CHECK(config::parse_duration_ms("1m") == 60000);
  CHECK(config::parse_duration_ms("15m") == 900'000);
  CHECK(config::parse_duration_ms("1h") == 3'600'000);
  CHECK(config::parse_duration_ms("2d") == 172'800'000);
  CHECK(config::parse_duration_ms("90") == 90'000);
  CHECK(config::parse_duration_ms("0") == 0);
  CHECK(config::parse_duration_ms("0s") == 0);
  CHECK(config::parse_duration_ms("366d") == config::kMaxDurationMs);
  for (const char* bad :
       {"-1s", "abc", "", "s", "1.5h", "1 h", "1H", "h1", "1hm", "+5", "0x10", "99999999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(config::parse_duration_ms(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(config::parse_duration_ms("367d"), "\"367d\" is longer than 366 days");
  CHECK(config::duration_ms_from_json(nlohmann::json(3600)) == 3'600'000);
  CHECK(config::duration_ms_from_json(nlohmann::json("1h")) == 3'600'000);
  CHECK_THROWS(config::duration_ms_from_json(nlohmann::json(-5)));
  CHECK_THROWS(config::duration_ms_from_json(nlohmann::json(2.5)));
  CHECK_THROWS(config::duration_ms_from_json(nlohmann::json(true)));
  CHECK(config::duration_text(700) == "700ms");
  CHECK(config::duration_text(2650) == "2.65s");
  CHECK(config::duration_text(12'345) == "12.345s");
  CHECK(config::duration_text(30'000) == "30s");
  CHECK(config::duration_text(90'000) == "90s");
  CHECK(config::duration_text(3'600'000) == "1h");
}

TEST_CASE("identity texts are bounded: NSID 128 bytes, CHAOS texts one TXT string", "[config]") {
  const std::string nsid128(128, 'n'), nsid129(129, 'n');
  CHECK(json_error(R"({"identity": {"nsid": ")" + nsid128 + "\"}}") == "no error");
  CHECK(json_error(R"({"identity": {"nsid": ")" + nsid129 + "\"}}") ==
        "identity.nsid: at most 128 bytes (it goes into every reply that asks)");
  CHECK(json_error(R"({"identity": {"id": ")" + std::string(256, 'i') + "\"}}") ==
        "identity.id: at most 255 bytes (one TXT string)");
  CHECK(json_error(R"({"identity": {"version": ")" + std::string(256, 'v') + "\"}}") ==
        "identity.version: at most 255 bytes (one TXT string)");
  CHECK(flags_error({"--nsid", nsid129.c_str(), "--zone", "a=/dev/null"}) == "--nsid: at most 128 bytes");
  CHECK(flags_error({"--nsid", nsid128.c_str(), "--zone", "a=/dev/null"}) == "no error");
}

TEST_CASE("user, group and the admin's tokens and TLS files", "[config]") {
  auto c = config::parse_config_json(R"({"user": "sgdns", "group": "nogroup",
    "admin": {"listen": "127.0.0.1:8443", "token_file": "w.token", "read_token_file": "r.token",
              "tls_certificate": "admin.pem", "tls_key": "/etc/ssl/admin.key"}})",
                                     "/etc/sgdns");
  CHECK(c.user == "sgdns");
  CHECK(c.group == "nogroup");
  CHECK(c.admin.read_token_file == "/etc/sgdns/r.token");
  CHECK(c.admin.tls_certificate == "/etc/sgdns/admin.pem");
  CHECK(c.admin.tls_key == "/etc/ssl/admin.key");
  CHECK(json_error(R"({"user": ""})") ==
        "user: expected a user or group name (letters, digits, '.', '_', '-'; at most 32)");
  CHECK(json_error(R"({"user": "-rf"})") ==
        "user: expected a user or group name (letters, digits, '.', '_', '-'; at most 32)");
  CHECK(json_error(R"({"group": "a b"})") ==
        "group: expected a user or group name (letters, digits, '.', '_', '-'; at most 32)");
  CHECK(json_error(R"({"user": 65534})") == "user: expected a string");
  CHECK(json_error(R"({"admin": {"tls_key": "k.pem"}})") == "admin.tls_key: needs admin.tls_certificate");
  CHECK(json_error(R"({"admin": {"read_token_file": ""}})") == "admin.read_token_file: expected a file name");
  CHECK(flags_error({"--group", "nogroup", "--zone", "a=/dev/null"}) ==
        "--group / group: needs a user (--user or \"user\")");
  CHECK(flags_error({"--user", "a b", "--zone", "a=/dev/null"}) ==
        "--user: expected a user or group name (letters, digits, '.', '_', '-'; at most 32)");
  CHECK(flags_error({"--admin-tls-key", "k", "--zone", "a=/dev/null"}) ==
        "--admin-tls-key / admin.tls_key: needs a certificate (--admin-tls-certificate)");
  CHECK(flags_error({"--user", "65534", "--group", "65534", "--zone", "a=/dev/null"}) == "no error");
}

TEST_CASE("rrl, cookies and the TCP limits are read from JSON", "[config]") {
  auto c = config::parse_config_json(R"({"rrl": {"rate": 50, "window": 2, "slip": 0, "ipv4_prefix": 32,
    "ipv6_prefix": 64, "exempt": ["192.0.2.0/24", "2001:db8::/32"], "table_size": 4096},
    "cookies": {"secret_file": "cookie.secret"},
    "tcp": {"query_timeout": "500ms", "reply_timeout": "3s", "max_per_source": 8, "max_pending": 131072}})",
                                     "/etc/sgdns");
  CHECK(c.options.rrl.enabled);
  CHECK(c.options.rrl.rate == 50);
  CHECK(c.options.rrl.window == 2);
  CHECK(c.options.rrl.slip == 0);
  CHECK(c.options.rrl.ipv4_prefix == 32);
  CHECK(c.options.rrl.ipv6_prefix == 64);
  CHECK(c.options.rrl.exempt.size() == 2);
  CHECK(c.options.rrl.table_size == 4096);
  CHECK(c.cookie_secret_file == "/etc/sgdns/cookie.secret");
  CHECK(c.tcp.query_timeout_ms == 500);
  CHECK(c.tcp.reply_timeout_ms == 3000);
  CHECK(c.tcp.max_per_source == 8);
  CHECK(c.tcp.max_pending == 131072);

  auto defaults = config::parse_config_json("{}", ".");
  CHECK(defaults.options.rrl.enabled);  // on by default, as NSD ships it
  CHECK(defaults.options.rrl.rate == 200);
  CHECK(defaults.options.rrl.slip == 2);
  CHECK(defaults.options.cookies.enabled);
  CHECK_FALSE(config::parse_config_json(R"({"rrl": false, "cookies": false})", ".").options.rrl.enabled);
  CHECK_FALSE(config::parse_config_json(R"({"cookies": false})", ".").options.cookies.enabled);

  CHECK(json_error(R"({"rrl": {"rate": 0}})") == "rrl.rate: expected an integer from 1 to 1000000");
  CHECK(json_error(R"({"rrl": {"ipv4_prefix": 33}})") == "rrl.ipv4_prefix: expected an integer from 8 to 32");
  CHECK(json_error(R"({"rrl": {"exempt": ["10.0.0.1/8"]}})") ==
        "rrl.exempt[0]: \"10.0.0.1/8\" has bits set past its prefix length");
  CHECK(json_error(R"({"rrl": {"burst": 1}})") == "rrl.burst: unknown key");
  CHECK(json_error(R"({"cookies": {"secret": "x"}})") == "cookies.secret: unknown key");
  CHECK(json_error(R"({"tcp": {"query_timeout": "1ms"}})") ==
        "tcp.query_timeout: must be from 10ms to 1h, got 1ms");
  CHECK(json_error(R"({"tcp": {"max_pending": 100}})") ==
        "tcp.max_pending: expected an integer from 65537 to 67108864");
}

TEST_CASE("--no-rrl, --rrl-rate and --cookie-secret-file", "[config]") {
  std::vector<const char*> args = {
      "sgdns",      "--zone", "a=/dev/null",          "--no-rrl",
      "--rrl-rate", "900",    "--cookie-secret-file", "/etc/sgdns/cookie.secret"};
  auto c = config::parse_command_line(static_cast<int>(args.size()), args.data()).config;
  CHECK_FALSE(c.options.rrl.enabled);
  CHECK(c.options.rrl.rate == 900);
  CHECK(c.cookie_secret_file == "/etc/sgdns/cookie.secret");
  CHECK(flags_error({"--zone", "a=/dev/null", "--rrl-rate", "0"}) ==
        "--rrl-rate: expected a number from 1 to 1000000, got \"0\"");
}

TEST_CASE("cookie secret files: one or two 128-bit secrets, clear errors otherwise", "[config][cookie]") {
  auto write = [](const std::string& text) {
    std::string path = "/tmp/sgdns-test-cookie-" + std::to_string(::getpid()) + ".secret";
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };
  auto error_of = [](const std::string& path) -> std::string {
    engine::CookieOptions o;
    try {
      config::read_cookie_secrets(path, o);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  engine::CookieOptions o;
  std::string path = write(
      "# current, then previous\ne5e973e5a6b2a43f48e7dc849e37bfcf\n\n445536BCD2513298075A5D379663C962\n");
  config::read_cookie_secrets(path, o);
  CHECK(o.secret.key[0] == 0xe5);
  CHECK(o.secret.key[15] == 0xcf);
  REQUIRE(o.has_previous);
  CHECK(o.previous.key[0] == 0x44);
  config::read_cookie_secrets(write("e5e973e5a6b2a43f48e7dc849e37bfcf\n"), o);
  CHECK_FALSE(o.has_previous);
  CHECK_THAT(error_of(write("e5e973e5a6b2a43f48e7dc849e37bf\n")),
             Catch::Contains(":1: expected 32 hex digits (a 128-bit secret)"));
  CHECK_THAT(error_of(write("e5e973e5a6b2a43f48e7dc849e37bfcg\n")),
             Catch::Contains(":1: expected 32 hex digits"));
  CHECK_THAT(error_of(write("a\n")), Catch::Contains(":1: expected 32 hex digits"));
  CHECK_THAT(error_of(write(std::string(3, 'x') + "\n")), Catch::Contains("expected 32 hex digits"));
  CHECK_THAT(error_of(write("00000000000000000000000000000001\n00000000000000000000000000000002\n"
                            "00000000000000000000000000000003\n")),
             Catch::Contains(":3: more than two secrets"));
  CHECK_THAT(error_of(write("# nothing\n")), Catch::EndsWith(": no secret in it"));
  CHECK_THAT(error_of("/nonexistent/cookie.secret"),
             Catch::EndsWith("/nonexistent/cookie.secret: cannot read"));
  std::remove(path.c_str());
}

TEST_CASE("dnstap: off by default; the socket turns it on, relative to the file", "[config][dnstap]") {
  auto off = config::parse_config_json("{}", "/etc/sgdns");
  CHECK_FALSE(off.dnstap.enabled());
  auto c = config::parse_config_json(
      R"({"dnstap": {"socket": "run/dnstap.sock", "sample": 100, "log_responses": false, "identity": "ns1"}})",
      "/etc/sgdns");
  CHECK(c.dnstap.enabled());
  CHECK(c.dnstap.socket == "/etc/sgdns/run/dnstap.sock");
  CHECK(c.dnstap.sample == 100);
  CHECK(c.dnstap.log_queries);
  CHECK_FALSE(c.dnstap.log_responses);
  CHECK(c.dnstap.identity == "ns1");
  auto defaults = config::parse_config_json(R"({"dnstap": {"socket": "/run/dnstap.sock"}})", "/etc/sgdns");
  CHECK(defaults.dnstap.sample == 1);
  CHECK(defaults.dnstap.log_queries);
  CHECK(defaults.dnstap.log_responses);
  CHECK(defaults.dnstap.identity.empty());
}

TEST_CASE("dnstap mistakes are refused with their path", "[config][dnstap]") {
  CHECK(json_error(R"({"dnstap": {}})") == "dnstap: missing \"socket\" (the collector's unix socket)");
  CHECK(json_error(R"({"dnstap": {"socket": "/s", "sampel": 2}})") == "dnstap.sampel: unknown key");
  CHECK(json_error(R"({"dnstap": {"socket": "/s", "sample": 0}})") ==
        "dnstap.sample: expected an integer from 1 to 1000000");
  CHECK(json_error(R"({"dnstap": {"socket": "/s", "log_queries": false, "log_responses": false}})") ==
        "dnstap: log_queries and log_responses are both false: nothing to log");
  CHECK(json_error(R"({"dnstap": {"socket": "/)" + std::string(107, 'x') + R"("}})") ==
        "dnstap.socket: expected a unix socket path of 1 to 107 bytes");
  CHECK(json_error(R"({"dnstap": {"socket": ""}})") ==
        "dnstap.socket: expected a unix socket path of 1 to 107 bytes");
  CHECK(json_error(R"({"dnstap": {"socket": "/s", "identity": ")" + std::string(129, 'x') + R"("}})") ==
        "dnstap.identity: at most 128 bytes");
}

TEST_CASE("fleet: off by default; endpoints and a prefix turn it on", "[config][fleet]") {
  CHECK_FALSE(config::parse_config_json("{}", "/etc/sgdns").fleet.enabled());
  auto c = config::parse_config_json(
      R"({"fleet": {"endpoints": ["http://10.0.0.1:2379", "https://etcd.example:2379"], "prefix": "/sgdns/prod/",
                    "instance": "ns1", "tls": {"ca_file": "etcd-ca.pem", "certificate": "c.pem"},
                    "credentials": {"username": "sgdns", "password_file": "etcd.pass"},
                    "shared_health": true, "quorum": 3}})",
      "/etc/sgdns");
  CHECK(c.fleet.enabled());
  CHECK(c.fleet.endpoints.size() == 2);
  CHECK(c.fleet.prefix == "/sgdns/prod");  // the trailing '/' is the keys' own
  CHECK(c.fleet.instance == "ns1");
  CHECK(c.fleet.ca_file == "/etc/sgdns/etcd-ca.pem");
  CHECK(c.fleet.client_certificate == "/etc/sgdns/c.pem");
  CHECK(c.fleet.password_file == "/etc/sgdns/etcd.pass");
  CHECK(c.fleet.shared_health);
  CHECK(c.fleet.quorum == 3);
  auto defaults = config::parse_config_json(
      R"({"fleet": {"endpoints": ["http://127.0.0.1:2379"], "prefix": "/s"}})", "/");
  CHECK(defaults.fleet.instance.empty());  // the NSID or the host name, chosen at start
  CHECK_FALSE(defaults.fleet.shared_health);
  CHECK(defaults.fleet.quorum == 2);
}

TEST_CASE("fleet mistakes are refused with their path", "[config][fleet]") {
  const std::string ok = R"("endpoints": ["http://127.0.0.1:2379"], "prefix": "/s")";
  CHECK(json_error(R"({"fleet": {"prefix": "/s"}})") == "fleet: missing \"endpoints\" (etcd's client URLs)");
  CHECK_THAT(json_error(R"({"fleet": {"endpoints": ["http://a:1"]}})"),
             Catch::StartsWith("fleet: missing \"prefix\""));
  CHECK(json_error(R"({"fleet": {"endpoints": [], "prefix": "/s"}})") ==
        "fleet.endpoints: expected at least one etcd endpoint");
  CHECK_THAT(json_error(R"({"fleet": {"endpoints": ["127.0.0.1:2379"], "prefix": "/s"}})"),
             Catch::StartsWith("fleet.endpoints[0]: expected http://HOST:PORT"));
  CHECK_THAT(json_error(R"({"fleet": {"endpoints": ["http://a:1/v3"], "prefix": "/s"}})"),
             Catch::StartsWith("fleet.endpoints[0]: expected scheme://HOST:PORT with no path"));
  CHECK_THAT(json_error(R"({"fleet": {"endpoints": ["http://a:1"], "prefix": "sgdns"}})"),
             Catch::StartsWith("fleet.prefix: expected a key prefix that starts with '/'"));
  CHECK(json_error(R"({"fleet": {"endpoints": ["http://a:1"], "prefix": "/s s"}})") ==
        "fleet.prefix: expected printable ASCII without spaces");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "quorum": 2}})") ==
        "fleet.quorum: only means something with \"shared_health\": true");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "shared_health": true, "quorum": 0}})") ==
        "fleet.quorum: expected an integer from 1 to 64");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "instance": "a/b"}})") ==
        "fleet.instance: expected 1 to 128 bytes without '/'");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "credentials": {"username": "u"}}})") ==
        "fleet.credentials: expected both \"username\" and \"password_file\"");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "tls": {"key": "k.pem"}}})") ==
        "fleet.tls.key: needs fleet.tls.certificate");
  CHECK(json_error(R"({"fleet": {)" + ok + R"(, "watch": 1}})") == "fleet.watch: unknown key");
}
