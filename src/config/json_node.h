// SPDX-License-Identifier: MIT
// JsonNode: a JSON value with its path, so every configuration error can say where it is (private).
#pragma once
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sgdns/config/config.h"

namespace sgdns::config {

using nlohmann::json;

/// A JSON value together with its path, so every error can say where it is.
class Node {
 public:
  Node(const json& value, std::string path) : v_(value), path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& why) const { throw ConfigError(path_ + ": " + why); }
  const json& value() const { return v_; }
  const std::string& path() const { return path_; }

  /// Refuses keys outside `known`: a misspelt key silently ignored is an outage waiting to happen.
  void only(std::initializer_list<const char*> known) const { only(std::vector<const char*>(known)); }
  void only(const std::vector<const char*>& known) const {
    if (!v_.is_object()) fail("expected an object");
    std::set<std::string> names(known.begin(), known.end());
    Problems unknown;
    for (auto it = v_.begin(); it != v_.end(); ++it) {
      if (!names.count(it.key())) unknown.add(child_path(it.key()) + ": unknown key");
    }
    unknown.throw_if_any();
  }
  bool has(const char* key) const { return v_.contains(key); }
  Node operator[](const char* key) const { return Node(v_.at(key), child_path(key)); }
  /// Calls f(key, child) for each member of an object.
  template <typename F>
  void each(F f) const {
    if (!v_.is_object()) fail("expected an object");
    for (auto it = v_.begin(); it != v_.end(); ++it) f(it.key(), Node(it.value(), child_path(it.key())));
  }
  double number() const {
    if (!v_.is_number()) fail("expected a number");
    return v_.get<double>();
  }
  Node operator[](std::size_t i) const { return Node(v_.at(i), path_ + "[" + std::to_string(i) + "]"); }
  std::size_t size() const { return v_.size(); }

  std::string string() const {
    if (!v_.is_string()) fail("expected a string");
    return v_.get<std::string>();
  }
  bool boolean() const {
    if (!v_.is_boolean()) fail("expected true or false");
    return v_.get<bool>();
  }
  long integer(long lo, long hi) const {
    if (!v_.is_number_integer() || v_.get<long>() < lo || v_.get<long>() > hi)
      fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return v_.get<long>();
  }
  void array() const {
    if (!v_.is_array()) fail("expected an array");
  }
  /// A duration (include/sgdns/config/duration.h) from `min_ms` up to `max_ms`.
  long duration_ms(long min_ms = 0, long max_ms = kMaxDurationMs) const {
    long ms = 0;
    try {
      ms = duration_ms_from_json(v_);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    if (ms < min_ms || ms > max_ms)
      fail("must be from " + duration_text(min_ms) + " to " + duration_text(max_ms) + ", got " +
           duration_text(ms));
    return ms;
  }
  template <typename F>
  auto parsed(F f) const {
    try {
      return f(string());
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }

 private:
  /// Keys that are not plain identifiers are quoted: records."www.streamgate.example.".pools[2].
  std::string child_path(const std::string& key) const {
    bool plain = !key.empty() &&
                 key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                     std::string::npos;
    std::string k = plain ? key : "\"" + key + "\"";
    return path_.empty() ? k : path_ + "." + k;
  }
  const json& v_;
  std::string path_;
};

/// `file` relative to `base_dir` unless absolute.
std::string resolve_path(const std::string& base_dir, const std::string& file);

}  // namespace sgdns::config
