// SPDX-License-Identifier: MIT
// etcd's gateway JSON: base64 both ways, prefix ranges, and strict reply parsing (replies from a real etcd
// 3.4 gateway, captured with curl, trimmed).
#include <catch2/catch.hpp>

#include "etcd_json.h"

using namespace sgdns::app::etcd;

TEST_CASE("base64 round-trips every length and refuses what is not base64", "[app][fleet]") {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    REQUIRE(unbase64(base64(bytes)) == bytes);
    bytes += static_cast<char>(i * 37);
  }
  CHECK(base64("/sgdns/x") == "L3NnZG5zL3g=");
  CHECK(base64("ab") == "YWI=");
  CHECK(unbase64("YWI=") == "ab");
  for (const char* bad : {"YWI", "Y=I=", "YW!=", "=AAA", "YWI=YWI=", "A==="})
    CHECK_THROWS_AS(unbase64(bad), EtcdReplyError);
}

TEST_CASE("prefix_end is the first key past the prefix", "[app][fleet]") {
  CHECK(prefix_end("/sgdns/") == "/sgdns0");
  CHECK(prefix_end(std::string("a\xff", 2)) == "b");
}

TEST_CASE("a range reply: revision, keys and values decoded", "[app][fleet]") {
  const RangeReply r = parse_range(
      R"({"header":{"cluster_id":"14841639068965178418","revision":"7","raft_term":"2"},)"
      R"("kvs":[{"key":"L3NnZG5zL3g=","create_revision":"5","mod_revision":"6","version":"2","value":"YWI=",)"
      R"("lease":"7587869012345678"}],"count":"1"})");
  CHECK(r.revision == 7);
  REQUIRE(r.kvs.size() == 1);
  CHECK(r.kvs[0].key == "/sgdns/x");
  CHECK(r.kvs[0].value == "ab");
  CHECK(r.kvs[0].mod_revision == 6);
  CHECK(r.kvs[0].lease == 7587869012345678);
  CHECK(parse_range(R"({"header":{"revision":"3"}})").kvs.empty());
}

TEST_CASE("watch lines: creation, events, compaction, errors", "[app][fleet]") {
  const WatchReply created = parse_watch(R"({"result":{"header":{"revision":"9"},"created":true}})");
  CHECK(created.created);
  CHECK(created.events.empty());
  const WatchReply events = parse_watch(
      R"({"result":{"header":{"revision":"11"},"events":[{"kv":{"key":"YQ==","mod_revision":"10","value":"Yg=="}},)"
      R"({"type":"DELETE","kv":{"key":"Yw==","mod_revision":"11"}}]}})");
  REQUIRE(events.events.size() == 2);
  CHECK_FALSE(events.events[0].deleted);  // proto3 leaves out PUT, the default
  CHECK(events.events[0].kv.value == "b");
  CHECK(events.events[1].deleted);
  CHECK(events.events[1].kv.key == "c");
  const WatchReply compacted = parse_watch(
      R"({"result":{"header":{"revision":"20"},"canceled":true,"compact_revision":"15","cancel_reason":"x"}})");
  CHECK(compacted.compact_revision == 15);
  CHECK(compacted.canceled);
  CHECK_THROWS_WITH(parse_watch(R"({"error":{"grpc_code":14,"message":"etcdserver: no leader"}})"),
                    Catch::Contains("no leader"));
  for (const char* bad :
       {"", "[]", "{}", R"({"result":[]})", R"({"result":{"events":{}}})",
        R"({"result":{"events":[{"type":"PUT"}]}})", R"({"result":{"events":[{"type":"MOVE","kv":{}}]}})",
        R"({"result":{"header":{"revision":"12x"}}})", R"({"result":{"created":"yes"}})"})
    CHECK_THROWS_AS(parse_watch(bad), EtcdReplyError);
}

TEST_CASE("txn, lease and token replies", "[app][fleet]") {
  CHECK(parse_txn(R"({"header":{"revision":"12"},"succeeded":true,"responses":[{"response_put":{}}]})")
            .succeeded);
  const TxnReply lost = parse_txn(
      R"({"header":{"revision":"12"},"responses":[{"response_range":{"kvs":[{"key":"YQ==","mod_revision":"4"}]}}]})");
  CHECK_FALSE(lost.succeeded);
  REQUIRE(lost.ranges.size() == 1);
  CHECK(lost.ranges[0].kvs.at(0).mod_revision == 4);
  CHECK(parse_lease(R"({"header":{},"ID":"694","TTL":"5"})").ttl == 5);
  CHECK(parse_lease(R"({"result":{"header":{},"ID":"7","TTL":"0"}})").ttl == 0);
  CHECK(parse_token(R"({"header":{},"token":"abc.1"})") == "abc.1");
  CHECK_THROWS_AS(parse_token(R"({"token":""})"), EtcdReplyError);
  CHECK_THROWS_WITH(
      parse_lease(
          R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})"),
      "etcd reply: error: etcdserver: requested lease not found");
}

TEST_CASE("request bodies are what the gateway takes", "[app][fleet]") {
  const auto txn = cas_txn("/p/k", 0, {put_op("/p/k", "v", 77), delete_op("/p/j")});
  CHECK(txn["compare"][0]["target"] == "MOD");
  CHECK(txn["compare"][0]["mod_revision"] == "0");
  CHECK(txn["success"][0]["request_put"]["lease"] == "77");
  CHECK(txn["success"][1]["request_delete_range"]["key"] == base64("/p/j"));
  CHECK(watch_request("/p/", 42)["create_request"]["start_revision"] == "42");
  CHECK_FALSE(watch_request("/p/", 0)["create_request"].contains("start_revision"));
}
