// SPDX-License-Identifier: MIT
// The one command-line splitter (args.h).
#include "sgdns/util/args.h"

#include <algorithm>

namespace sgdns::args {

std::vector<Item> split(int argc, const char* const* argv, std::span<const Flag> known,
                        bool positional_allowed, std::string_view hint) {
  const std::string suffix = hint.empty() ? "" : " " + std::string(hint);
  std::vector<Item> items;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    const bool is_flag = word.rfind("--", 0) == 0 || word == "-h";
    if (!is_flag) {
      if (!positional_allowed) throw UsageError(word + ": unknown option" + suffix);
      items.push_back({"", std::move(word)});
      continue;
    }
    std::string name = word, value;
    const auto eq = word.find('=');
    const bool inline_value = word.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      name = word.substr(0, eq);
      value = word.substr(eq + 1);
    }
    const auto spec = std::find_if(known.begin(), known.end(), [&](const Flag& f) { return f.name == name; });
    if (spec == known.end()) throw UsageError(name + ": unknown option" + suffix);
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= argc) throw UsageError(name + ": needs a value" + suffix);
      value = argv[++i];
    } else if (!spec->takes_value && inline_value) {
      throw UsageError(name + ": takes no value" + suffix);
    }
    items.push_back({std::move(name), std::move(value)});
  }
  return items;
}

bool wants_help(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace sgdns::args
