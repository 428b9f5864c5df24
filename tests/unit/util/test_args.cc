// SPDX-License-Identifier: MIT
// Unit tests for the one command-line splitter (util/args.h).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sgdns/util/args.h"

using namespace sgdns;

namespace {

constexpr args::Flag kKnown[] = {{"--help"}, {"-h"}, {"--dry-run"}, {"--zone", true}, {"--client", true}};

std::vector<args::Item> split(std::vector<const char*> words, bool positional = true) {
  words.insert(words.begin(), "prog");
  return args::split(static_cast<int>(words.size()), words.data(), kKnown, positional, "(see --help)");
}

std::string error_of(std::vector<const char*> words, bool positional = true) {
  try {
    (void)split(std::move(words), positional);
  } catch (const args::UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("args::split keeps flags, values and words in order", "[util][args]") {
  const auto items = split({"override", "--zone", "a=b", "set", "--client=192.0.2.1", "--dry-run", "x"});
  REQUIRE(items.size() == 6);
  CHECK(items[0].flag.empty());
  CHECK(items[0].value == "override");
  CHECK(items[1].flag == "--zone");
  CHECK(items[1].value == "a=b");
  CHECK(items[2].value == "set");
  CHECK(items[3].flag == "--client");
  CHECK(items[3].value == "192.0.2.1");
  CHECK(items[4].flag == "--dry-run");
  CHECK(items[4].value.empty());
  CHECK(items[5].value == "x");
}

TEST_CASE("args::split: a value that looks like a flag is still the value", "[util][args]") {
  const auto items = split({"--zone", "--dry-run"});
  REQUIRE(items.size() == 1);
  CHECK(items[0].value == "--dry-run");
}

TEST_CASE("args::split names the flag in every mistake", "[util][args]") {
  CHECK(error_of({"--bogus"}) == "--bogus: unknown option (see --help)");
  CHECK(error_of({"--bogus=1"}) == "--bogus: unknown option (see --help)");
  CHECK(error_of({"--zone"}) == "--zone: needs a value (see --help)");
  CHECK(error_of({"--dry-run=yes"}) == "--dry-run: takes no value (see --help)");
  CHECK(error_of({"word"}, false) == "word: unknown option (see --help)");
  CHECK(error_of({"word"}, true).empty());
}

TEST_CASE("args::wants_help finds --help or -h anywhere", "[util][args]") {
  const char* with[] = {"prog", "override", "-h"};
  const char* without[] = {"prog", "override", "--dry-run"};
  CHECK(args::wants_help(3, with));
  CHECK_FALSE(args::wants_help(3, without));
}
