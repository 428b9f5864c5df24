// SPDX-License-Identifier: MIT
// The one command-line splitter: `sgdns`, `sgdns ctl` and `sgdns explain` all read argv through it, so
// `--flag value`, `--flag=value`, unknown flags and a missing value behave and read the same everywhere.
#pragma once
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::args {

/// A flag a command knows: its spelling and whether a value follows it.
struct Flag {
  std::string_view name;
  bool takes_value = false;
};

/// One item of the command line, in order: a known flag (with its value when it takes one) or, when
/// `flag` is empty, a positional word.
struct Item {
  std::string flag;
  std::string value;
};

/// A command-line mistake; what() names the flag ("--zone: needs a value (see --help)").
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Splits argv[1..argc) by `known`. `--flag=value` is accepted for flags that take a value. A word that
/// starts with "--" and is not known, a flag without its value, a value given to a flag that takes none,
/// and (unless `positional_allowed`) any other word throw UsageError whose message ends with `hint`.
[[nodiscard]] std::vector<Item> split(int argc, const char* const* argv, std::span<const Flag> known,
                                      bool positional_allowed, std::string_view hint);

/// True when argv[1..argc) holds --help or -h anywhere (so help wins over any other mistake).
[[nodiscard]] bool wants_help(int argc, const char* const* argv);

}  // namespace sgdns::args
