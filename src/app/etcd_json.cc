// SPDX-License-Identifier: MIT
// etcd v3 gateway request bodies and strict reply parsers (etcd_json.h).
#include "etcd_json.h"

#include <array>

namespace sgdns::app::etcd {
namespace {

using nlohmann::json;

constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

[[noreturn]] void bad(const std::string& why) {
  throw EtcdReplyError("etcd reply: " + why);
}

json parse_json(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    bad(std::string("not JSON: ") + e.what());
  }
}

const json* member(const json& o, const char* key) {
  if (!o.is_object()) bad(std::string("expected an object around \"") + key + "\"");
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

/// The gateway writes int64 as a decimal string; accept a JSON integer too. Absent: 0 (proto3 default).
std::int64_t int64_at(const json& o, const char* key) {
  const json* v = member(o, key);
  if (!v) return 0;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (!v->is_string()) bad(std::string("\"") + key + "\" is not an integer");
  const std::string& s = v->get_ref<const std::string&>();
  std::size_t used = 0;
  std::int64_t n = 0;
  try {
    n = std::stoll(s, &used);
  } catch (const std::exception&) {
    bad(std::string("\"") + key + "\" is not an integer");
  }
  if (used != s.size() || s.empty()) bad(std::string("\"") + key + "\" is not an integer");
  return n;
}

bool bool_at(const json& o, const char* key) {
  const json* v = member(o, key);
  if (!v) return false;
  if (!v->is_boolean()) bad(std::string("\"") + key + "\" is not true or false");
  return v->get<bool>();
}

std::string bytes_at(const json& o, const char* key) {
  const json* v = member(o, key);
  if (!v) return {};
  if (!v->is_string()) bad(std::string("\"") + key + "\" is not a base64 string");
  return unbase64(v->get<std::string>());
}

/// A reply that carries a gRPC error instead of a result.
void refuse_error(const json& doc) {
  if (!doc.is_object()) bad("expected an object");
  const json* e = member(doc, "error");
  if (!e) return;
  // 3.4 writes {"error": "text", "message": "text", "code": N}; a watch line nests it as an object.
  const json* msg = e->is_object() ? member(*e, "message") : member(doc, "message");
  if (!msg && e->is_string()) msg = e;
  bad("error: " + (msg && msg->is_string() ? msg->get<std::string>() : e->dump()));
}

KeyValue key_value(const json& o) {
  KeyValue kv;
  kv.key = bytes_at(o, "key");
  kv.value = bytes_at(o, "value");
  kv.mod_revision = int64_at(o, "mod_revision");
  kv.lease = int64_at(o, "lease");
  return kv;
}

std::int64_t header_revision(const json& o) {
  const json* h = member(o, "header");
  return h ? int64_at(*h, "revision") : 0;
}

RangeReply range_of(const json& doc) {
  RangeReply r;
  r.revision = header_revision(doc);
  if (const json* kvs = member(doc, "kvs")) {
    if (!kvs->is_array()) bad("\"kvs\" is not an array");
    for (const json& kv : *kvs) r.kvs.push_back(key_value(kv));
  }
  return r;
}

}  // namespace

std::string base64(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 16 |
                                              static_cast<unsigned char>(bytes[i + 1]) << 8 |
                                              static_cast<unsigned char>(bytes[i + 2]));
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(n >> s) & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 16);
    if (i + 1 < bytes.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string unbase64(const std::string& text) {
  if (text.size() % 4 != 0) bad("base64 length is not a multiple of 4");
  std::array<int, 256> value{};
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    std::uint32_t n = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const unsigned char ch = static_cast<unsigned char>(text[i + j]);
      if (ch == '=' && last && j >= 2 && (j == 3 || text[i + 3] == '=')) {
        ++pad;
        n <<= 6;
        continue;
      }
      if (value[ch] < 0 || pad > 0) bad("invalid base64");
      n = n << 6 | static_cast<std::uint32_t>(value[ch]);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: every key
}

RangeReply parse_range(const std::string& text) {
  const json doc = parse_json(text);
  refuse_error(doc);
  return range_of(doc);
}

WatchReply parse_watch(const std::string& text) {
  const json doc = parse_json(text);
  refuse_error(doc);
  const json* result = member(doc, "result");
  if (!result || !result->is_object()) bad("a watch line without \"result\"");
  WatchReply w;
  w.revision = header_revision(*result);
  w.created = bool_at(*result, "created");
  w.canceled = bool_at(*result, "canceled");
  w.compact_revision = int64_at(*result, "compact_revision");
  if (const json* reason = member(*result, "cancel_reason"); reason && reason->is_string())
    w.cancel_reason = reason->get<std::string>();
  if (const json* events = member(*result, "events")) {
    if (!events->is_array()) bad("\"events\" is not an array");
    for (const json& e : *events) {
      WatchEvent ev;
      const json* type = member(e, "type");
      if (type && !type->is_string()) bad("event \"type\" is not a string");
      if (type && *type != "PUT" && *type != "DELETE") bad("unknown event type");
      ev.deleted = type && *type == "DELETE";  // proto3 leaves out the default, PUT
      const json* kv = member(e, "kv");
      if (!kv) bad("an event without \"kv\"");
      ev.kv = key_value(*kv);
      w.events.push_back(std::move(ev));
    }
  }
  return w;
}

TxnReply parse_txn(const std::string& text) {
  const json doc = parse_json(text);
  refuse_error(doc);
  TxnReply t;
  t.succeeded = bool_at(doc, "succeeded");
  t.revision = header_revision(doc);
  if (const json* responses = member(doc, "responses")) {
    if (!responses->is_array()) bad("\"responses\" is not an array");
    for (const json& r : *responses)
      if (const json* range = member(r, "response_range")) t.ranges.push_back(range_of(*range));
  }
  return t;
}

LeaseReply parse_lease(const std::string& text) {
  const json doc = parse_json(text);
  refuse_error(doc);
  const json* result = member(doc, "result");
  const json& body = result ? *result : doc;
  if (!body.is_object()) bad("expected an object");
  return {int64_at(body, "ID"), int64_at(body, "TTL")};
}

std::string parse_token(const std::string& text) {
  const json doc = parse_json(text);
  refuse_error(doc);
  const json* token = member(doc, "token");
  if (!token || !token->is_string() || token->get<std::string>().empty()) bad("no \"token\"");
  return token->get<std::string>();
}

json range_request(const std::string& prefix) {
  return {{"key", base64(prefix)}, {"range_end", base64(prefix_end(prefix))}};
}

json watch_request(const std::string& prefix, std::int64_t start_revision) {
  json create = {{"key", base64(prefix)}, {"range_end", base64(prefix_end(prefix))}};
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  return {{"create_request", create}};
}

json put_op(const std::string& key, const std::string& value, std::int64_t lease) {
  json put = {{"key", base64(key)}, {"value", base64(value)}};
  if (lease != 0) put["lease"] = std::to_string(lease);
  return {{"request_put", put}};
}

json delete_op(const std::string& key) {
  return {{"request_delete_range", {{"key", base64(key)}}}};
}

json cas_txn(const std::string& key, std::int64_t mod_revision, const std::vector<json>& ops) {
  json compare = {{"key", base64(key)},
                  {"target", "MOD"},
                  {"result", "EQUAL"},
                  {"mod_revision", std::to_string(mod_revision)}};
  return {{"compare", json::array({compare})},
          {"success", ops},
          {"failure", json::array({{{"request_range", {{"key", base64(key)}}}}})}};
}

}  // namespace sgdns::app::etcd
