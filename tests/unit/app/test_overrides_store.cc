// SPDX-License-Identifier: MIT
// The overrides state file: strict parsing, corrupt or unreadable files moved aside, safe temporary files.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "overrides_store.h"

using namespace sgdns::app;
namespace fs = std::filesystem;

namespace {

struct Folder {
  Folder() {
    char name[] = "/tmp/sgdns-state-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~Folder() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(file(name)) << text; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string path;
};

std::string parse_error(const std::string& text) {
  try {
    (void)OverridesStore::parse(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

const char* kGood = R"({"overrides": [{"pool": "edge", "member": "192.0.2.1", "state": "down",
  "reason": "disk", "set_at": 1700000000.5, "expires": 0}]})";

}  // namespace

TEST_CASE("the state file is parsed strictly", "[app]") {
  auto good = OverridesStore::parse(kGood);
  REQUIRE(good.size() == 1);
  CHECK(good.begin()->second.key() == "edge/192.0.2.1");
  CHECK_FALSE(good.begin()->second.up);
  CHECK(good.begin()->second.reason == "disk");
  CHECK(parse_error(R"({"overrides": [{"pool": "edge", "member": "a", "state": "UP"}]})") ==
        "overrides[0].state: expected \"up\" or \"down\"");
  CHECK(parse_error(R"({"overrides": [{"pool": "edge", "member": "a", "state": true}]})") ==
        "overrides[0].state: expected \"up\" or \"down\"");
  CHECK(parse_error(R"({"overrides": [{"pool": "edge", "member": "a"}]})") ==
        "overrides[0].state: expected \"up\" or \"down\"");
  CHECK(parse_error(R"({"overrides": [{"pool": "", "member": "a", "state": "up"}]})") ==
        "overrides[0].pool: expected a printable name of 1 to 255 bytes");
  CHECK(parse_error(R"({"overrides": [{"pool": "e", "member": "a", "state": "up", "colour": 1}]})") ==
        "overrides[0].colour: unknown key");
  CHECK(parse_error(R"({"overrides": [{"pool": "e", "member": "a", "state": "up", "expires": -1}]})") ==
        "overrides[0].expires: expected unix seconds (a number, 0 or more)");
  CHECK(parse_error(R"({"overrides": [{"pool": "e", "member": "a", "state": "up", "reason": 3}]})") ==
        "overrides[0].reason: expected a string");
  CHECK(parse_error(R"({"overrides": [{"pool": "e", "member": "a", "state": "up"},
                                      {"pool": "e", "member": "a", "state": "down"}]})") ==
        "overrides[1]: e/a listed twice");
  CHECK(parse_error(R"({"overrides": {}})") == "expected {\"overrides\": [...]}");
  CHECK(parse_error(R"({"overrides": [], "more": 1})") == "expected {\"overrides\": [...]}");
  CHECK_THAT(parse_error("{\"overrides\": ["), Catch::StartsWith("not JSON"));
}

TEST_CASE("a corrupt state file is moved aside and the set is empty", "[app]") {
  Folder dir;
  const std::string path = dir.file("overrides.json");
  OverridesStore store(path);
  SECTION("missing: empty, nothing moved") {
    auto loaded = store.load();
    CHECK(loaded.overrides.empty());
    CHECK(loaded.problem.empty());
    CHECK(dir.names().empty());
  }
  SECTION("good: loaded, nothing moved") {
    dir.write("overrides.json", kGood);
    auto loaded = store.load();
    CHECK(loaded.overrides.size() == 1);
    CHECK(loaded.problem.empty());
    CHECK(dir.names() == std::vector<std::string>{"overrides.json"});
  }
  for (const char* text : {"{\"overrides\": [", "\xff\xfe garbage", "",
                           R"({"overrides": [{"pool": "edge", "member": "a", "state": "UP"}]})"}) {
    DYNAMIC_SECTION("corrupt: " << text) {
      dir.write("overrides.json", text);
      auto loaded = store.load();
      CHECK(loaded.overrides.empty());
      CHECK_FALSE(loaded.problem.empty());
      REQUIRE_FALSE(loaded.moved_to.empty());
      CHECK(loaded.moved_to.rfind(path + ".corrupt-", 0) == 0);
      auto names = dir.names();
      REQUIRE(names.size() == 1);
      CHECK(names[0].rfind("overrides.json.corrupt-2", 0) == 0);  // a UTC time stamp: 20YYmmddTHHMMSSZ
      std::ifstream kept(loaded.moved_to);
      std::stringstream content;
      content << kept.rdbuf();
      CHECK(content.str() == text);  // kept as it was, for the operator
      // A second corrupt file in the same second gets its own name.
      dir.write("overrides.json", text);
      auto again = store.load();
      CHECK(again.moved_to != loaded.moved_to);
      CHECK(dir.names().size() == 2);
    }
  }
  SECTION("a folder where the file should be") {
    fs::create_directory(path);
    auto loaded = store.load();
    CHECK(loaded.problem == "not a regular file");
    CHECK_FALSE(loaded.moved_to.empty());
  }
}

TEST_CASE("save replaces the file durably and never writes through a planted link", "[app]") {
  Folder dir;
  const std::string path = dir.file("overrides.json");
  OverridesStore store(path);
  std::map<std::string, Override> set;
  Override o{"edge", "192.0.2.1", true, "line\nbreak \xe2\x82\xac", 1700000000, 0};
  set[o.key()] = o;
  // A stale temporary file from a crash, and then a symlink planted where the temporary file goes.
  dir.write("overrides.json.tmp", "stale");
  store.save(set);
  CHECK(dir.names() == std::vector<std::string>{"overrides.json"});
  auto loaded = store.load();
  REQUIRE(loaded.overrides.size() == 1);
  CHECK(loaded.overrides.begin()->second.reason == o.reason);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  dir.write("victim", "precious");
  REQUIRE(::symlink(dir.file("victim").c_str(), dir.file("overrides.json.tmp").c_str()) == 0);
  store.save(set);
  std::ifstream victim(dir.file("victim"));
  std::string content((std::istreambuf_iterator<char>(victim)), std::istreambuf_iterator<char>());
  CHECK(content == "precious");
  CHECK(store.load().overrides.size() == 1);
}
