// SPDX-License-Identifier: MIT
// TSIG key files as BIND (tsig-keygen), Knot (keymgr -t) and NSD write them.
#include <cctype>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgdns/dns/name.h"
#include "sgdns/dns/tsig.h"

namespace sgdns::dns {
namespace {

[[noreturn]] void fail(int line, const std::string& why) {
  throw std::runtime_error("line " + std::to_string(line) + ": " + why);
}

std::vector<std::uint8_t> base64_decode(const std::string& text, int line) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=') {
      padding = true;
      continue;
    } else
      fail(line, "the secret is not base64");
    if (padding) fail(line, "the secret is not base64");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  if (out.empty()) fail(line, "empty secret");
  return out;
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

struct Draft {
  std::string name, algorithm, secret;
  int line = 0;
};

TsigKey finish(const Draft& d) {
  if (d.name.empty()) fail(d.line, "a key without a name");
  if (d.algorithm.empty()) fail(d.line, "key " + d.name + ": no algorithm");
  if (d.secret.empty()) fail(d.line, "key " + d.name + ": no secret");
  TsigKey k;
  if (!parse_tsig_algorithm(d.algorithm, k.algorithm))
    fail(d.line, "key " + d.name + ": algorithm " + d.algorithm + " (hmac-sha256 or hmac-sha512 only)");
  if (!name_from_text(d.name, k.name)) fail(d.line, "key name " + d.name + " is not a domain name");
  name_to_lower(k.name.data(), k.name.size());
  k.name_text = name_to_text(k.name.data());
  k.secret = base64_decode(d.secret, d.line);
  return k;
}

/// BIND's named.conf syntax: key "name" { algorithm NAME; secret "BASE64"; };
std::vector<TsigKey> parse_bind(const std::string& text) {
  std::vector<std::pair<std::string, int>> tokens;
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}' || c == ';') {
      tokens.emplace_back(std::string(1, c), line);
      ++i;
    } else if (c == '"') {
      const std::size_t end = text.find('"', i + 1);
      if (end == std::string::npos) fail(line, "unterminated string");
      tokens.emplace_back(text.substr(i, end + 1 - i), line);
      i = end + 1;
    } else {
      std::size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != ';' &&
             text[j] != '{' && text[j] != '}')
        ++j;
      tokens.emplace_back(text.substr(i, j - i), line);
      i = j;
    }
  }
  std::vector<TsigKey> keys;
  std::size_t t = 0;
  auto next = [&](const char* what) -> const std::pair<std::string, int>& {
    if (t >= tokens.size()) fail(line, std::string("unexpected end, expected ") + what);
    return tokens[t++];
  };
  while (t < tokens.size()) {
    auto [word, at] = next("key");
    if (word != "key") fail(at, "expected \"key\", found " + word);
    Draft d;
    d.line = at;
    d.name = unquote(next("a key name").first);
    if (next("{").first != "{") fail(at, "expected {");
    for (;;) {
      auto [field, fl] = next("}");
      if (field == "}") break;
      std::string value = unquote(next("a value").first);
      if (next(";").first != ";") fail(fl, "expected ; after " + field);
      if (field == "algorithm")
        d.algorithm = value;
      else if (field == "secret")
        d.secret = value;
      else
        fail(fl, "unknown key field " + field);
    }
    if (t < tokens.size() && tokens[t].first == ";") ++t;
    keys.push_back(finish(d));
  }
  return keys;
}

/// Knot's and NSD's YAML-like form: a "key:" section of "- id: NAME" (Knot) or "name: NAME" (NSD)
/// entries with "algorithm:" and "secret:".
std::vector<TsigKey> parse_yaml(const std::string& text) {
  std::vector<TsigKey> keys;
  Draft d;
  bool open = false;
  int line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (const auto hash = l.find('#'); hash != std::string::npos) l.erase(hash);
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.pop_back();
    std::size_t b = 0;
    while (b < l.size() && std::isspace(static_cast<unsigned char>(l[b]))) ++b;
    l.erase(0, b);
    if (l.empty()) continue;
    bool new_entry = false;
    if (l.rfind("- ", 0) == 0) {
      l.erase(0, 2);
      new_entry = true;
    }
    const auto colon = l.find(':');
    if (colon == std::string::npos) fail(line, "expected \"field: value\"");
    std::string field = l.substr(0, colon);
    std::string value = l.substr(colon + 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
    value = unquote(value);
    if (field == "key") {
      if (open) keys.push_back(finish(d));
      d = Draft{};
      d.line = line;
      open = true;
      continue;
    }
    if (!open) fail(line, "expected a \"key:\" section first");
    if ((field == "id" || field == "name") && (new_entry || !d.name.empty())) {
      if (!d.name.empty()) keys.push_back(finish(d));
      d = Draft{};
      d.line = line;
    }
    if (field == "id" || field == "name")
      d.name = value;
    else if (field == "algorithm")
      d.algorithm = value;
    else if (field == "secret")
      d.secret = value;
    else
      fail(line, "unknown key field " + field);
  }
  if (open) keys.push_back(finish(d));
  return keys;
}

}  // namespace

std::vector<TsigKey> parse_tsig_key_file(const std::string& text) {
  std::vector<TsigKey> keys = text.find('{') != std::string::npos ? parse_bind(text) : parse_yaml(text);
  if (keys.empty()) throw std::runtime_error("no key in the file");
  return keys;
}

}  // namespace sgdns::dns
