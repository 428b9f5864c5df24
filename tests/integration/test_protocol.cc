// SPDX-License-Identifier: MIT
// Black-box checks of sgdns wire-protocol handling: EDNS, truncation, malformed queries and TCP (RFC 7766).
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

size_t answer_records(const Reply& r) {
  size_t n = 0;
  for (const auto& s : r.answer) n += s.rdata.size();
  return n;
}

// Sends raw bytes over UDP and returns the reply (nullopt if none).
std::optional<Bytes> send_udp(const ServedZone& zone, const Bytes& wire, Millis timeout = Millis(2000)) {
  return exchange(zone.endpoint(), wire, Transport::Udp, timeout);
}

}  // namespace

TEST_CASE("EDNS: reply size is bounded by min(client payload, 1232)", "[integration]") {
  ServedZone zone("it.test.", integration_zone());

  SECTION("an EDNS query gets an OPT record of version 0") {
    Reply r = zone.ask(make_query("www.it.test", kTypeA, true));
    CHECK(r.has_opt);
    CHECK(r.edns_version == 0);
    CHECK(r.udp_size >= 512);
    CHECK(r.udp_size <= 1232);
  }
  SECTION("no OPT in the reply to a query without one") {
    CHECK_FALSE(zone.ask(make_query("www.it.test", kTypeA)).has_opt);
  }
  SECTION("~850 byte answer: truncated at 512, whole at 1232 and 4096") {
    for (uint16_t size : {512, 1232, 4096}) {
      QueryOptions q = make_query("medium.it.test", kTypeTXT, true);
      q.udp_size = size;
      auto wire = send_udp(zone, build_query(q));
      REQUIRE(wire);
      auto r = decode(*wire);
      REQUIRE(r);
      INFO("client payload " << size << "\n" << r->text);
      CHECK(wire->size() <= std::min<size_t>(size, 1232));
      CHECK(r->tc == (size == 512));
      if (size != 512) CHECK(answer_records(*r) == 8);
    }
  }
  SECTION("a client payload below 512 counts as 512 (RFC 6891 6.2.5)") {
    QueryOptions q = make_query("www.it.test", kTypeA, true);
    q.udp_size = 100;
    Reply r = zone.ask(q);
    CHECK(r.rcode == kRcodeNoError);
    CHECK_FALSE(r.tc);
    CHECK(r.answers_of(kTypeA).size() == 1);
  }
  SECTION("without EDNS the limit is 512") {
    auto wire = send_udp(zone, build_query(make_query("medium.it.test", kTypeTXT)));
    REQUIRE(wire);
    CHECK(wire->size() <= 512);
    CHECK(decode(*wire)->tc);
  }
}

TEST_CASE("--edns-max-payload lowers the UDP limit", "[integration]") {
  ServedZone zone("it.test.", integration_zone(), {"--edns-max-payload", "600"});
  QueryOptions q = make_query("medium.it.test", kTypeTXT, true);
  q.udp_size = 4096;
  auto wire = send_udp(zone, build_query(q));
  REQUIRE(wire);
  auto r = decode(*wire);
  REQUIRE(r);
  INFO(r->text);
  CHECK(wire->size() <= 600);
  CHECK(r->tc);
}

TEST_CASE("EDNS version 1 gets BADVERS", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  QueryOptions q = make_query("www.it.test", kTypeA, true);
  q.edns_version = 1;
  Reply r = zone.ask(q);
  INFO(r.text);
  CHECK(r.rcode == kRcodeBadVers);
  CHECK(r.has_opt);
  CHECK(r.edns_version == 0);
  CHECK(r.answer.empty());
}

TEST_CASE("a big RRset is truncated over UDP and whole over TCP", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  QueryOptions q = make_query("big.it.test", kTypeTXT, true);
  q.udp_size = 4096;
  auto udp = send_udp(zone, build_query(q));
  REQUIRE(udp);
  auto truncated = decode(*udp);
  REQUIRE(truncated);
  INFO(truncated->text);
  CHECK(truncated->tc);
  CHECK(udp->size() <= 1232);

  Reply full = zone.ask(q, Transport::Tcp);
  CHECK_FALSE(full.tc);
  CHECK(full.aa);
  CHECK(full.rcode == kRcodeNoError);
  CHECK(answer_records(full) == 30);
}

TEST_CASE("malformed and unsupported queries", "[integration]") {
  ServedZone zone("it.test.", integration_zone());

  SECTION("QDCOUNT=2 gets FORMERR") {
    Bytes wire = build_query(make_query("www.it.test", kTypeA));
    wire[5] = 2;  // QDCOUNT
    append_name(wire, "ns1.it.test");
    wire.insert(wire.end(), {0, 1, 0, 1});
    auto reply = send_udp(zone, wire);
    REQUIRE(reply);
    REQUIRE(reply->size() >= 12);
    INFO(packet_text(*reply));
    CHECK((reply->at(2) & 0x80) != 0);  // QR
    CHECK((reply->at(3) & 0x0f) == kRcodeFormErr);
  }
  SECTION("opcode 2 (STATUS) gets NOTIMP") {
    QueryOptions q = make_query("www.it.test", kTypeA);
    q.opcode = 2;
    auto reply = send_udp(zone, build_query(q));
    REQUIRE(reply);
    REQUIRE(reply->size() >= 12);
    INFO(packet_text(*reply));
    CHECK((reply->at(3) & 0x0f) == kRcodeNotImp);
    CHECK(((reply->at(2) >> 3) & 0x0f) == 2);  // the opcode is echoed
  }
  SECTION("a packet with QR set gets no reply at all") {
    QueryOptions q = make_query("www.it.test", kTypeA);
    q.qr = true;
    CHECK_FALSE(send_udp(zone, build_query(q), Millis(1000)).has_value());
    // ... and the server is still fine afterwards.
    CHECK(zone.ask(make_query("www.it.test", kTypeA)).rcode == kRcodeNoError);
  }
  SECTION("a truncated header gets no reply and does not hurt the server") {
    CHECK_FALSE(send_udp(zone, Bytes{0x12, 0x34, 0x00}, Millis(500)).has_value());
    CHECK(zone.ask(make_query("www.it.test", kTypeA)).rcode == kRcodeNoError);
  }
}

TEST_CASE("TCP pipelining: five queries in one write, five answers", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  const std::map<uint16_t, std::string> names{{101, "www.it.test"},
                                              {102, "ns1.it.test"},
                                              {103, "mail.it.test"},
                                              {104, "x.wild.it.test"},
                                              {105, "missing.it.test"}};
  Bytes batch;
  for (const auto& [id, name] : names) {
    QueryOptions q = make_query(name, kTypeA);
    q.id = id;
    Bytes framed = tcp_frame(build_query(q));
    batch.insert(batch.end(), framed.begin(), framed.end());
  }
  TcpConnection conn(zone.endpoint());
  REQUIRE(conn.connected());
  REQUIRE(conn.send_raw(batch));
  std::map<uint16_t, Reply> replies;
  for (size_t i = 0; i < names.size(); ++i) {
    auto wire = conn.read_message(Millis(3000));
    REQUIRE(wire);
    auto r = decode(*wire);
    REQUIRE(r);
    replies.emplace(r->id, *r);
  }
  REQUIRE(replies.size() == names.size());  // every ID answered once (answers may come out of order)
  for (const auto& [id, name] : names) {
    REQUIRE(replies.count(id) == 1);
    INFO(replies.at(id).text);
    CHECK(replies.at(id).rcode == (id == 105 ? kRcodeNxDomain : kRcodeNoError));
    if (id != 105) CHECK(replies.at(id).answer.begin()->owner == name + ".");
  }
}

TEST_CASE("TCP: a query split across segments is reassembled", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  QueryOptions q = make_query("www.it.test", kTypeA);
  q.id = 4242;
  Bytes framed = tcp_frame(build_query(q));
  TcpConnection conn(zone.endpoint());
  REQUIRE(conn.connected());
  // The length prefix alone, then half the message, then the rest (RFC 7766 8).
  size_t half = 2 + (framed.size() - 2) / 2;
  REQUIRE(conn.send_raw(Bytes(framed.begin(), framed.begin() + 1)));
  std::this_thread::sleep_for(Millis(100));
  REQUIRE(conn.send_raw(Bytes(framed.begin() + 1, framed.begin() + static_cast<long>(half))));
  std::this_thread::sleep_for(Millis(100));
  REQUIRE(conn.send_raw(Bytes(framed.begin() + static_cast<long>(half), framed.end())));
  auto wire = conn.read_message(Millis(3000));
  REQUIRE(wire);
  auto r = decode(*wire);
  REQUIRE(r);
  CHECK(r->id == 4242);
  CHECK(r->rcode == kRcodeNoError);
  CHECK(r->answers_of(kTypeA).size() == 1);
}

TEST_CASE("--tcp-idle-timeout closes an idle connection", "[integration]") {
  ServedZone zone("it.test.", integration_zone(), {"--tcp-idle-timeout", "1"});
  SECTION("a connection that never sends") {
    TcpConnection conn(zone.endpoint());
    REQUIRE(conn.connected());
    auto start = std::chrono::steady_clock::now();
    CHECK(conn.wait_closed(Millis(5000)));
    auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start).count();
    CHECK(elapsed >= 500);
    CHECK(elapsed <= 3000);
  }
  SECTION("a connection that goes quiet after one query") {
    TcpConnection conn(zone.endpoint());
    REQUIRE(conn.send_message(build_query(make_query("www.it.test", kTypeA))));
    REQUIRE(conn.read_message(Millis(2000)));
    auto start = std::chrono::steady_clock::now();
    CHECK(conn.wait_closed(Millis(5000)));
    auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start).count();
    CHECK(elapsed >= 500);
    CHECK(elapsed <= 3000);
  }
}

TEST_CASE("the default TCP idle timeout keeps a connection open for a while", "[integration]") {
  ServedZone zone("it.test.", integration_zone());
  TcpConnection conn(zone.endpoint());
  REQUIRE(conn.connected());
  CHECK_FALSE(conn.wait_closed(Millis(2000)));
  // Still usable after the pause.
  REQUIRE(conn.send_message(build_query(make_query("www.it.test", kTypeA))));
  CHECK(conn.read_message(Millis(2000)).has_value());
}
