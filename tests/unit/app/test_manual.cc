// SPDX-License-Identifier: MIT
// The manual pages against the code and the docs: every flag and command the binary knows is in sgdns(8),
// every configuration key the reader accepts and every key documented in docs/configuration.md is in
// sgdns.json(5).
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sgdns/app/check.h"
#include "sgdns/app/ctl.h"
#include "sgdns/config/config.h"

using namespace sgdns;

namespace {

std::string read(const std::string& relative) {
  std::ifstream in(std::string(SGDNS_TEST_DATA) + "/../" + relative);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// roff source as plain text for searching: "\-" is a hyphen, font escapes and quotes go.
std::string plain(std::string roff) {
  roff = std::regex_replace(roff, std::regex(R"(\\-)"), "-");
  roff = std::regex_replace(roff, std::regex(R"(\\f[BIRP])"), "");
  roff = std::regex_replace(roff, std::regex(R"(\\\(dq)"), "\"");
  return roff;
}

std::set<std::string> matches(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

/// True when `page` names `word` with .B/.BR/.I markup or in running text (roff puts markup words
/// alone or separated by spaces and quotes).
bool mentions(const std::string& page, const std::string& word) {
  return page.find(word) != std::string::npos;
}

}  // namespace

TEST_CASE("sgdns(8) names every flag of sgdns, sgdns check and sgdns ctl", "[manual]") {
  const std::string page = plain(read("man/sgdns.8"));
  std::set<std::string> flags = matches(config::usage(), R"((--[a-z][a-z-]*))");
  for (const auto& f : matches(app::check_usage(), R"((--[a-z][a-z-]*))")) flags.insert(f);
  for (const auto& f : matches(app::ctl_usage(), R"((--[a-z][a-z-]*))")) flags.insert(f);
  REQUIRE(flags.size() > 20);
  for (const auto& flag : flags) {
    INFO(flag);
    CHECK(mentions(page, flag));
  }
}

TEST_CASE("sgdns(8) names every subcommand and every ctl command", "[manual]") {
  const std::string page = plain(read("man/sgdns.8"));
  for (const char* command : {"sgdns check", "sgdns geoip-report", "sgdns explain", "sgdns ctl"}) {
    INFO(command);
    CHECK(mentions(page, command));
    CHECK(mentions(config::usage(), command));
  }
  // The first word of each command line of `sgdns ctl --help`, and "override <verb>".
  std::set<std::string> commands = matches(app::ctl_usage(), R"(\n  ([a-z]+(?: [a-z]+)?)(?: |\n))");
  REQUIRE(commands.count("status") == 1);
  for (const auto& c : commands) {
    std::string first = c.substr(0, c.find(' '));
    std::string command = first == "override" ? c : first;
    INFO(command);
    CHECK(mentions(page, command));
  }
  for (const char* route :
       {"/metrics", "/v1/health", "/v1/ready", "/v1/status", "/v1/overrides", "/v1/explain", "/v1/reload",
        "dry_run=1", "SIGHUP", "SIGTERM", "SIGINT", "SGDNS_TOKEN"}) {
    INFO(route);
    CHECK(mentions(page, route));
  }
}

TEST_CASE("sgdns.json(5) names every configuration key, as the reader and the docs know them", "[manual]") {
  const std::string page = plain(read("man/sgdns.json.5"));
  const std::string docs = read("docs/configuration.md");
  for (const char* key : config::top_level_keys()) {
    INFO(key);
    CHECK(mentions(page, key));
    CHECK(mentions(docs, std::string("`") + key));
  }
  // Every key in the first column of the docs' tables: `identity.nsid`, `checks.NAME.fall` / `rise`, ...
  std::set<std::string> documented = matches(docs, R"(\n\| `([a-z_]+(?:\.[A-Za-z_]+)*)`)");
  REQUIRE(documented.size() > 40);
  for (const auto& key : documented) {
    if (key == "geo" || key == "nearest" || key == "weighted" || key == "failover" || key == "multivalue") {
      CHECK(mentions(page, "records.NAME.policy"));  // the policies' table: values, not keys
      CHECK(mentions(page, key));
      continue;
    }
    INFO(key);
    CHECK(mentions(page, key));
  }
}
