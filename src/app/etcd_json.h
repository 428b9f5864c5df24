// SPDX-License-Identifier: MIT
// etcd's v3 JSON gateway, both directions, as pure functions (app-private): the request bodies sgdns sends
// and the replies it reads. Replies are outside input (a proxy, a different etcd version, a broken peer), so
// every parser checks types and throws EtcdReplyError naming what was wrong; tests/fuzz/fuzz_etcd.cc runs
// them over arbitrary bytes. The gateway encodes keys and values in base64 and 64-bit integers as strings.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sgdns::app::etcd {

class EtcdReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[nodiscard]] std::string base64(const std::string& bytes);
/// Strict: only the standard alphabet with '=' padding; throws EtcdReplyError otherwise.
[[nodiscard]] std::string unbase64(const std::string& text);
/// The first key after every key that starts with `prefix`: the range_end that makes a range a prefix.
[[nodiscard]] std::string prefix_end(const std::string& prefix);

struct KeyValue {
  std::string key, value;
  std::int64_t mod_revision = 0;
  std::int64_t lease = 0;
};

struct RangeReply {
  std::int64_t revision = 0;  // the store's revision when the range was read: a watch resumes after it
  std::vector<KeyValue> kvs;
};

struct WatchEvent {
  bool deleted = false;  // else a put
  KeyValue kv;
};

struct WatchReply {
  std::int64_t revision = 0;
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  // not 0: the revision asked for is compacted, reload the range
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};

struct TxnReply {
  bool succeeded = false;
  std::int64_t revision = 0;
  std::vector<RangeReply> ranges;  // the range responses among the branch's results, in order
};

struct LeaseReply {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  // 0 or less from a keepalive: the lease is gone
};

[[nodiscard]] RangeReply parse_range(const std::string& text);
/// One line of a watch stream ({"result": {...}} or {"error": {...}}).
[[nodiscard]] WatchReply parse_watch(const std::string& text);
[[nodiscard]] TxnReply parse_txn(const std::string& text);
/// lease/grant or lease/keepalive (whose reply is wrapped in "result").
[[nodiscard]] LeaseReply parse_lease(const std::string& text);
/// auth/authenticate: the token to send as Authorization.
[[nodiscard]] std::string parse_token(const std::string& text);

// Request bodies.
[[nodiscard]] nlohmann::json range_request(const std::string& prefix);
[[nodiscard]] nlohmann::json watch_request(const std::string& prefix, std::int64_t start_revision);
[[nodiscard]] nlohmann::json put_op(const std::string& key, const std::string& value, std::int64_t lease);
[[nodiscard]] nlohmann::json delete_op(const std::string& key);
/// A txn that succeeds only while `key`'s mod_revision is `mod_revision` (0: the key does not exist).
[[nodiscard]] nlohmann::json cas_txn(const std::string& key, std::int64_t mod_revision,
                                     const std::vector<nlohmann::json>& ops);

}  // namespace sgdns::app::etcd
