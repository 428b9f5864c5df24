// SPDX-License-Identifier: MIT
// A small DNS client for black-box tests: builds raw queries, sends them over UDP/TCP, decodes replies via
// ldns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sgdns::test {

using Bytes = std::vector<uint8_t>;
using Millis = std::chrono::milliseconds;

constexpr uint16_t kTypeA = 1, kTypeNS = 2, kTypeCNAME = 5, kTypeSOA = 6, kTypePTR = 12, kTypeHINFO = 13,
                   kTypeMX = 15, kTypeTXT = 16, kTypeAAAA = 28, kTypeSRV = 33, kTypeDS = 43, kTypeOPT = 41,
                   kTypeAXFR = 252, kTypeANY = 255, kTypeCAA = 257;
constexpr uint16_t kClassIN = 1, kClassCH = 3;
constexpr unsigned kRcodeNoError = 0, kRcodeFormErr = 1, kRcodeServFail = 2, kRcodeNxDomain = 3,
                   kRcodeNotImp = 4, kRcodeRefused = 5, kRcodeBadVers = 16;
constexpr uint16_t kOptionNsid = 3;

struct EdnsOption {
  uint16_t code = 0;
  Bytes data;
};

struct QueryOptions {
  std::string name;  // presentation form; a trailing dot is optional
  uint16_t type = kTypeA;
  uint16_t klass = kClassIN;
  uint16_t id = 0x5347;
  uint8_t opcode = 0;
  bool qr = false;
  bool rd = false;
  bool edns = false;
  uint16_t udp_size = 1232;
  uint8_t edns_version = 0;
  bool do_bit = false;
  bool co_bit = false;  // RFC 9824 5.1 Compact Answers OK
  std::vector<EdnsOption> options;
};

// Wire form of a query. Names are plain labels (no escapes), which is all tests need.
Bytes build_query(const QueryOptions& q);
// Appends an uncompressed wire-format name.
void append_name(Bytes& out, const std::string& name);

enum class Transport { Udp, Tcp };

struct Endpoint {
  Endpoint() = default;
  Endpoint(std::string h, uint16_t p, std::string bind = "")
      : host(std::move(h)), port(p), bind_host(std::move(bind)) {}
  std::string host = "127.0.0.1";  // IPv4 or IPv6 literal (no brackets)
  uint16_t port = 0;
  std::string bind_host;  // source address to bind, "" for the kernel's choice
};

// Sends one query and returns the first reply with the same ID, or nullopt on timeout or error.
std::optional<Bytes> exchange(const Endpoint& to, const Bytes& query, Transport transport,
                              Millis timeout = Millis(2000));

// A TCP connection speaking RFC 1035 4.2.2 length-prefixed messages.
class TcpConnection {
 public:
  TcpConnection(const Endpoint& to, Millis timeout = Millis(2000));
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_raw(const Bytes& bytes);
  bool send_message(const Bytes& message);
  // The next complete message, or nullopt on timeout, EOF or error.
  std::optional<Bytes> read_message(Millis timeout);
  // True when the peer closes (EOF or reset) within `timeout`; false while it stays open.
  bool wait_closed(Millis timeout);
  // Bytes received and not yet read.
  std::size_t unread_bytes() const;
  // True once unread_bytes() is non-zero and stays the same for 200 ms (the peer stopped sending), within
  // `timeout`.
  bool wait_unread_settled(Millis timeout) const;
  // Makes the destructor's close a reset (SO_LINGER 0): unread data is dropped and the peer gets an RST.
  void reset_on_close();

 private:
  bool read_exact(uint8_t* out, size_t size, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
};

// RFC 1035 4.2.2 framing: two-byte length, then the message.
Bytes tcp_frame(const Bytes& message);

// One RRset with comparison-friendly fields: lowercase owner, sorted rdata whose names are lowercased.
struct RRset {
  std::string owner;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;  // the smallest TTL of its records
  std::vector<std::string> rdata;
  auto operator<=>(const RRset&) const = default;
};
std::string to_string(const RRset& rrset);
std::string type_name(uint16_t type);
std::string rcode_name(unsigned rcode);

struct Reply {
  uint16_t id = 0;
  unsigned opcode = 0;
  unsigned rcode = 0;  // including the EDNS extended bits, so BADVERS is 16
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::set<RRset> answer, authority, additional;  // additional without the OPT record
  std::vector<std::string> answer_records;        // each answer RR as text, in wire order (for AXFR)
  bool has_opt = false;
  uint16_t udp_size = 0;
  uint8_t edns_version = 0;
  bool do_bit = false;
  bool co_bit = false;
  std::vector<EdnsOption> options;
  std::string text;  // ldns_pkt2str of the whole message

  std::optional<std::string> nsid() const;
  // Answer RRsets of one type.
  std::vector<RRset> answers_of(uint16_t type) const;
};

// Decodes a reply; nullopt when ldns cannot parse it.
std::optional<Reply> decode(const Bytes& wire);
// ldns_pkt2str, or a hex dump when ldns cannot parse the message.
std::string packet_text(const Bytes& wire);

}  // namespace sgdns::test
