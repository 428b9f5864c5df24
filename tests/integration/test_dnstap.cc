// SPDX-License-Identifier: MIT
// dnstap output read back: fstrm_capture (fstrm-bin, an independent Frame Streams receiver) takes the frames
// from sgdns's socket into a file; the test decodes them with the dnstap schema (protobuf-c), and BIND's
// dnstap-read reads the same file. Checked: message types, the exact query and response bytes kdig
// exchanged, the ECS option inside them, the region and pool in `extra`, 1-in-N sampling by counts, and
// /metrics' count of frames sent against the frames received.
#include <fstrm.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "dnstap.pb-c.h"
#include "geo_setup.h"
#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

/// One decoded frame: the fields the tests look at.
struct Frame {
  int type = 0;      // DNSTAP__MESSAGE__TYPE__*
  int protocol = 0;  // DNSTAP__SOCKET_PROTOCOL__*
  std::string identity, version, extra;
  Bytes query, response, address;
  uint32_t port = 0;
  bool has_query_time = false, has_response_time = false;
};

std::string text(const ProtobufCBinaryData& b) {
  return std::string(reinterpret_cast<const char*>(b.data), b.len);
}
Bytes bytes(const ProtobufCBinaryData& b) {
  return Bytes(b.data, b.data + b.len);
}

/// Every Dnstap frame in a Frame Streams file, decoded; REQUIREs that each one decodes.
std::vector<Frame> read_frames(const std::string& path) {
  fstrm_file_options* options = fstrm_file_options_init();
  fstrm_file_options_set_file_path(options, path.c_str());
  fstrm_reader* reader = fstrm_file_reader_init(options, nullptr);
  fstrm_file_options_destroy(&options);
  REQUIRE(reader != nullptr);
  std::vector<Frame> out;
  const uint8_t* data = nullptr;
  size_t len = 0;
  fstrm_res res;
  while ((res = fstrm_reader_read(reader, &data, &len)) == fstrm_res_success) {
    Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, len, data);
    REQUIRE(d != nullptr);
    REQUIRE(d->type == DNSTAP__DNSTAP__TYPE__MESSAGE);
    REQUIRE(d->message != nullptr);
    const Dnstap__Message& m = *d->message;
    Frame f;
    f.type = m.type;
    f.protocol = m.has_socket_protocol ? m.socket_protocol : 0;
    if (d->has_identity) f.identity = text(d->identity);
    if (d->has_version) f.version = text(d->version);
    if (d->has_extra) f.extra = text(d->extra);
    if (m.has_query_message) f.query = bytes(m.query_message);
    if (m.has_response_message) f.response = bytes(m.response_message);
    if (m.has_query_address) f.address = bytes(m.query_address);
    if (m.has_query_port) f.port = m.query_port;
    f.has_query_time = m.has_query_time_sec && m.query_time_sec > 1'600'000'000;
    f.has_response_time = m.has_response_time_sec && m.response_time_sec > 1'600'000'000;
    out.push_back(std::move(f));
    dnstap__dnstap__free_unpacked(d, nullptr);
  }
  CHECK(res == fstrm_res_stop);  // the file ended with a proper STOP frame: the capture closed it cleanly
  fstrm_reader_destroy(&reader);
  return out;
}

/// The question name of a DNS message, in text with the trailing dot ("" when there is none).
std::string qname(const Bytes& m) {
  std::string name;
  for (std::size_t at = 12; at < m.size() && m[at] != 0; at += 1 + m[at]) {
    if (at + 1 + m[at] > m.size()) return "";
    name.append(reinterpret_cast<const char*>(&m[at + 1]), m[at]);
    name += '.';
  }
  return name;
}

uint16_t id_of(const Bytes& m) {
  return m.size() < 2 ? 0 : static_cast<uint16_t>(m[0] << 8 | m[1]);
}

bool contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

/// The ECS option (RFC 7871) as it appears on the wire: code 8, length, family, source and scope lengths,
/// the address truncated to whole octets.
Bytes ecs_wire(uint16_t family, uint8_t source, uint8_t scope, const Bytes& address) {
  Bytes o = {0,      8,    0, static_cast<uint8_t>(4 + address.size()), 0, static_cast<uint8_t>(family),
             source, scope};
  for (uint8_t b : address) o.push_back(b);  // (insert() trips GCC 12's -Warray-bounds here)
  return o;
}

/// fstrm_capture listening on a socket in a scratch directory, writing what it receives to a file.
class Capture {
 public:
  Capture() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/fstrm_capture", "-t", "protobuf:dnstap.Dnstap", "-u", socket(),
                                 "-w", file()},
        dir_.file("capture.log"));
    // Ready once its socket exists (it creates it before accepting).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    struct stat st {};
    while (::stat(socket().c_str(), &st) != 0 && std::chrono::steady_clock::now() < deadline &&
           process_->running())
      std::this_thread::sleep_for(Millis(10));
    INFO("fstrm_capture log:\n" << process_->log());
    REQUIRE(::stat(socket().c_str(), &st) == 0);
  }
  std::string socket() const { return dir_.file("dnstap.sock"); }
  std::string file() const { return dir_.file("dnstap.fstrm"); }
  /// Stops the capture (SIGTERM: it finishes the file) and returns every frame it wrote.
  std::vector<Frame> finish() {
    REQUIRE(process_->signal(SIGTERM));
    REQUIRE(process_->wait_exit(Millis(10000)).has_value());
    INFO("fstrm_capture log:\n" << process_->log());
    return read_frames(file());
  }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
};

std::unique_ptr<GeoServer> start_with_dnstap(const std::string& dnstap_json, uint16_t admin_port = 0) {
  GeoSetup setup = default_geo_setup();
  setup.extra_json = R"({"threads": 1, "dnstap": )" + dnstap_json;
  if (admin_port)
    setup.extra_json += R"(, "admin": {"listen": "127.0.0.1:)" + std::to_string(admin_port) + "\"}";
  setup.extra_json += "}";
  auto server = std::make_unique<GeoServer>(setup);
  bool ready = server->wait_ready();
  INFO("sgdns stderr:\n" << server->log());
  REQUIRE(ready);
  return server;
}

/// SIGTERM, and a clean exit: sgdns writes out what dnstap still has queued before it exits.
void stop(GeoServer& server) {
  REQUIRE(server.server().signal(SIGTERM));
  auto status = server.server().wait_exit(Millis(15000));
  INFO("sgdns stderr:\n" << server.log());
  REQUIRE(status == 0);
}

CommandResult kdig(uint16_t port, const std::string& args) {
  CommandResult r =
      run_command("kdig @127.0.0.1 -p " + std::to_string(port) + " +time=2 +retry=1 " + args, Millis(10000));
  INFO("kdig " << args << ":\n" << r.output);
  REQUIRE(r.exit_code == 0);
  return r;
}

/// The question type of a DNS message (0 when there is none).
uint16_t qtype(const Bytes& m) {
  std::size_t at = 12;
  while (at < m.size() && m[at] != 0) at += 1 + m[at];
  return at + 2 < m.size() ? static_cast<uint16_t>(m[at + 1] << 8 | m[at + 2]) : 0;
}

/// The frames of message type `type` whose DNS message asks `name`/`qtype` over `protocol`.
std::vector<Frame> of(const std::vector<Frame>& frames, int type, const std::string& name,
                      uint16_t question_type, int protocol) {
  std::vector<Frame> out;
  for (const auto& f : frames) {
    const Bytes& m = type == DNSTAP__MESSAGE__TYPE__AUTH_QUERY ? f.query : f.response;
    if (f.type == type && f.protocol == protocol && qname(m) == name && qtype(m) == question_type)
      out.push_back(f);
  }
  return out;
}

}  // namespace

TEST_CASE("dnstap logs every query and response with its ECS, region and pool, over UDP and TCP",
          "[integration][dnstap]") {
  Capture capture;
  auto server = start_with_dnstap(R"({"socket": ")" + capture.socket() + R"(", "identity": "dnstap-test"})");
  // Frankfurt's /24 by ECS: eu-west, edge-eu. No ECS from 127.0.0.1: no location, the default region
  // us-east. Over TCP with Singapore's /24: ap-south. A static record: no region or pool.
  kdig(server->port(), "+edns +subnet=192.0.2.0/24 www.geo.test. A");
  kdig(server->port(), "+edns www.geo.test. AAAA");
  kdig(server->port(), "+tcp +edns +subnet=203.0.113.0/24 www.geo.test. A");
  kdig(server->port(), "+noedns static.geo.test. A");
  stop(*server);
  std::vector<Frame> frames = capture.finish();
  INFO(frames.size() << " frames");
  // BIND's dnstap-read, a third implementation, reads the same file: one line per message, AQ or AR.
  CommandResult read = run_command("dnstap-read " + capture.file(), Millis(10000));
  INFO("dnstap-read:\n" << read.output);
  REQUIRE(read.exit_code == 0);
  std::size_t lines = 0, aq = 0, ar = 0;
  for (const auto& line : nonempty_lines(read.output)) {
    ++lines;
    aq += line.find(" AQ ") != std::string::npos;
    ar += line.find(" AR ") != std::string::npos;
  }
  CHECK(lines == frames.size());
  CHECK(aq + ar == lines);
  CHECK(aq == ar);
  CHECK(read.output.find("www.geo.test/IN/A") != std::string::npos);

  struct Expect {
    std::string name;
    uint16_t type;
    int protocol;
    std::string extra;
    Bytes query_ecs, response_ecs;  // empty: no ECS option at all
  };
  const std::vector<Expect> expected{
      {"www.geo.test.", kTypeA, DNSTAP__SOCKET_PROTOCOL__UDP, "region=eu-west pool=edge-eu",
       ecs_wire(1, 24, 0, {192, 0, 2}), ecs_wire(1, 24, 24, {192, 0, 2})},
      {"www.geo.test.", kTypeAAAA, DNSTAP__SOCKET_PROTOCOL__UDP, "region=us-east pool=edge-us", {}, {}},
      {"www.geo.test.", kTypeA, DNSTAP__SOCKET_PROTOCOL__TCP, "region=ap-south pool=edge-ap",
       ecs_wire(1, 24, 0, {203, 0, 113}), ecs_wire(1, 24, 24, {203, 0, 113})},
      {"static.geo.test.", kTypeA, DNSTAP__SOCKET_PROTOCOL__UDP, "", {}, {}},
  };
  for (const auto& e : expected) {
    INFO(e.name << " type " << e.type << " protocol " << e.protocol);
    auto queries = of(frames, DNSTAP__MESSAGE__TYPE__AUTH_QUERY, e.name, e.type, e.protocol);
    auto responses = of(frames, DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE, e.name, e.type, e.protocol);
    REQUIRE(queries.size() == 1);
    REQUIRE(responses.size() == 1);
    const Frame& q = queries[0];
    const Frame& r = responses[0];
    for (const Frame* f : {&q, &r}) {
      CHECK(f->identity == "dnstap-test");
      CHECK(f->version == "sgdns");
      CHECK(f->extra == e.extra);
      CHECK(f->address == Bytes{127, 0, 0, 1});
      CHECK(f->port > 0);
      CHECK(f->has_query_time);
    }
    CHECK(r.has_response_time);
    CHECK(r.query.empty());  // each message carries its own side
    CHECK(q.response.empty());
    // The response answers that very query: same ID and client port, QR set, and the reply decodes.
    CHECK(id_of(r.response) == id_of(q.query));
    CHECK(r.port == q.port);
    CHECK((q.query[2] & 0x80) == 0);
    CHECK((r.response[2] & 0x80) != 0);
    auto reply = decode(r.response);
    REQUIRE(reply.has_value());
    CHECK(reply->rcode == kRcodeNoError);
    CHECK(reply->ancount >= 1);
    if (e.query_ecs.empty()) {
      CHECK_FALSE(contains(q.query, {0, 8, 0}));
    } else {
      CHECK(contains(q.query, e.query_ecs));        // the ECS kdig sent, in the logged query bytes
      CHECK(contains(r.response, e.response_ecs));  // echoed with its scope, in the logged response
    }
  }
}

TEST_CASE("dnstap sampling logs one query in N, and only the messages asked for", "[integration][dnstap]") {
  Capture capture;
  const uint16_t admin = free_port();
  auto server = start_with_dnstap(
      R"({"socket": ")" + capture.socket() + R"(", "sample": 10, "log_responses": false})", admin);
  // One UDP worker (threads 1) counts every query it answers, so 200 queries give 20 frames, give or
  // take the readiness probes that shared the count.
  for (int i = 0; i < 200; ++i) {
    Reply r = ask(server->endpoint(), make_query("static.geo.test.", kTypeA));
    REQUIRE(r.rcode == kRcodeNoError);
  }
  // What /metrics says was handed to the writer thread is what the collector receives.
  HttpResponse metrics = http_request("127.0.0.1", admin, HttpRequest{"GET", "/metrics", {}, ""});
  REQUIRE(metrics.status == 200);
  auto counter = [&](const std::string& series) -> long {
    auto at = metrics.body.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stol(metrics.body.substr(at + series.size() + 2));
  };
  const long sent = counter(R"(sgdns_dnstap_frames_total{result="sent"})");
  CHECK(counter(R"(sgdns_dnstap_frames_total{result="dropped"})") == 0);
  stop(*server);
  std::vector<Frame> frames = capture.finish();
  CHECK(static_cast<long>(frames.size()) == sent);
  std::size_t queries = 0, responses = 0, ours = 0;
  for (const auto& f : frames) {
    queries += f.type == DNSTAP__MESSAGE__TYPE__AUTH_QUERY;
    responses += f.type == DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
    ours += f.type == DNSTAP__MESSAGE__TYPE__AUTH_QUERY && qname(f.query) == "static.geo.test.";
  }
  INFO(queries << " query frames, " << ours << " for our name");
  CHECK(responses == 0);
  CHECK(ours >= 19);
  CHECK(ours <= 20);
  CHECK(queries <= 21);
}
