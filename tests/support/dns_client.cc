// SPDX-License-Identifier: MIT
// A small DNS client for black-box tests: builds raw queries, sends them over UDP/TCP, decodes replies via
// ldns.
#include "dns_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

void put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A socket address for an IPv4 or IPv6 literal.
bool make_address(const std::string& host, uint16_t port, sockaddr_storage* storage, socklen_t* len) {
  std::memset(storage, 0, sizeof *storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

// A socket of `type` for `to`, bound to to.bind_host when given; -1 on error.
int open_socket(const Endpoint& to, int type, sockaddr_storage* addr, socklen_t* len) {
  if (!make_address(to.host, to.port, addr, len)) return -1;
  int fd = ::socket(addr->ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!to.bind_host.empty()) {
    sockaddr_storage local;
    socklen_t local_len;
    if (!make_address(to.bind_host, 0, &local, &local_len) ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

std::optional<Bytes> udp_exchange(const Endpoint& to, const Bytes& query, Millis timeout) {
  sockaddr_storage addr;
  socklen_t len;
  int fd = open_socket(to, SOCK_DGRAM, &addr, &len);
  if (fd < 0) return std::nullopt;
  std::optional<Bytes> result;
  auto deadline = Clock::now() + timeout;
  if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr), len) ==
      static_cast<ssize_t>(query.size())) {
    Bytes buffer(65535);
    // Skip datagrams with another ID (a late reply to an earlier probe, say) until the deadline.
    while (!result) {
      int left = millis_left(deadline);
      if (left == 0) break;
      pollfd pfd{fd, POLLIN, 0};
      int n = ::poll(&pfd, 1, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (got < 0) break;  // e.g. ECONNREFUSED from an ICMP port unreachable
      if (got >= 2 && query.size() >= 2 && buffer[0] == query[0] && buffer[1] == query[1])
        result = Bytes(buffer.begin(), buffer.begin() + got);
    }
  }
  ::close(fd);
  return result;
}

// Minimal wire walker, used to read the OPT record exactly as sent (ldns hides some of it).
struct WireReader {
  const Bytes& wire;
  size_t pos = 0;
  bool ok = true;

  uint16_t u16() {
    if (pos + 2 > wire.size()) {
      ok = false;
      return 0;
    }
    uint16_t v = static_cast<uint16_t>(wire[pos] << 8 | wire[pos + 1]);
    pos += 2;
    return v;
  }
  void skip(size_t n) {
    if (pos + n > wire.size()) ok = false;
    pos = std::min(pos + n, wire.size());
  }
  void skip_name() {
    for (int labels = 0; ok && labels < 128; ++labels) {
      if (pos >= wire.size()) {
        ok = false;
        return;
      }
      uint8_t len = wire[pos];
      if ((len & 0xc0) == 0xc0) {
        skip(2);
        return;
      }
      skip(1 + len);
      if (len == 0) return;
    }
    ok = false;
  }
};

void read_opt(const Bytes& wire, Reply& reply) {
  WireReader r{wire};
  r.skip(12);
  for (int i = 0; i < reply.qdcount && r.ok; ++i) {
    r.skip_name();
    r.skip(4);
  }
  int records = reply.ancount + reply.nscount + reply.arcount;
  for (int i = 0; i < records && r.ok; ++i) {
    r.skip_name();
    uint16_t type = r.u16();
    uint16_t klass = r.u16();
    uint16_t ttl_hi = r.u16();
    uint16_t ttl_lo = r.u16();
    uint16_t rdlength = r.u16();
    if (!r.ok) return;
    if (type == kTypeOPT && i >= reply.ancount + reply.nscount) {
      reply.has_opt = true;
      reply.udp_size = klass;
      reply.rcode |= static_cast<unsigned>(ttl_hi >> 8) << 4;
      reply.edns_version = static_cast<uint8_t>(ttl_hi & 0xff);
      reply.do_bit = (ttl_lo & 0x8000) != 0;
      reply.co_bit = (ttl_lo & 0x4000) != 0;
      size_t end = r.pos + rdlength;
      while (r.ok && r.pos + 4 <= end) {
        EdnsOption option;
        option.code = r.u16();
        uint16_t size = r.u16();
        if (r.pos + size > end || end > wire.size()) return;
        option.data.assign(wire.begin() + static_cast<long>(r.pos),
                           wire.begin() + static_cast<long>(r.pos + size));
        r.skip(size);
        reply.options.push_back(std::move(option));
      }
      return;
    }
    r.skip(rdlength);
  }
}

std::string owned_string(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

// Converts an ldns section into RRsets keyed by (lowercase owner, type, class).
std::set<RRset> to_rrsets(const ldns_rr_list* list, std::vector<std::string>* texts) {
  std::map<std::tuple<std::string, uint16_t, uint16_t>, RRset> sets;
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (texts) texts->push_back(owned_string(ldns_rr2str(rr)));
    std::string owner = lower(owned_string(ldns_rdf2str(ldns_rr_owner(rr))));
    auto type = static_cast<uint16_t>(ldns_rr_get_type(rr));
    auto klass = static_cast<uint16_t>(ldns_rr_get_class(rr));
    std::string rdata;
    for (size_t f = 0; f < ldns_rr_rd_count(rr); ++f) {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, f);
      std::string field = owned_string(ldns_rdf2str(rdf));
      // Names in rdata compare case-insensitively; text (TXT, CAA values) must not.
      if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) field = lower(field);
      if (f) rdata += ' ';
      rdata += field;
    }
    auto key = std::make_tuple(owner, type, klass);
    auto [it, inserted] = sets.try_emplace(key);
    RRset& set = it->second;
    if (inserted) {
      set.owner = owner;
      set.type = type;
      set.klass = klass;
      set.ttl = ldns_rr_ttl(rr);
    }
    set.ttl = std::min(set.ttl, ldns_rr_ttl(rr));
    set.rdata.push_back(rdata);
  }
  std::set<RRset> out;
  for (auto& [key, set] : sets) {
    std::sort(set.rdata.begin(), set.rdata.end());
    out.insert(std::move(set));
  }
  return out;
}

}  // namespace

void append_name(Bytes& out, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) break;  // the root, or a malformed name, ends the name
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

Bytes build_query(const QueryOptions& q) {
  Bytes out;
  put16(out, q.id);
  uint8_t flags1 = static_cast<uint8_t>((q.qr ? 0x80 : 0) | ((q.opcode & 0xf) << 3) | (q.rd ? 0x01 : 0));
  out.push_back(flags1);
  out.push_back(0);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, q.edns ? 1 : 0);
  append_name(out, q.name);
  put16(out, q.type);
  put16(out, q.klass);
  if (q.edns) {
    out.push_back(0);  // root owner
    put16(out, kTypeOPT);
    put16(out, q.udp_size);
    out.push_back(0);  // extended rcode
    out.push_back(q.edns_version);
    put16(out, static_cast<uint16_t>((q.do_bit ? 0x8000 : 0) | (q.co_bit ? 0x4000 : 0)));
    Bytes rdata;
    for (const auto& o : q.options) {
      put16(rdata, o.code);
      put16(rdata, static_cast<uint16_t>(o.data.size()));
      rdata.insert(rdata.end(), o.data.begin(), o.data.end());
    }
    put16(out, static_cast<uint16_t>(rdata.size()));
    out.insert(out.end(), rdata.begin(), rdata.end());
  }
  return out;
}

Bytes tcp_frame(const Bytes& message) {
  Bytes out;
  put16(out, static_cast<uint16_t>(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

TcpConnection::TcpConnection(const Endpoint& to, Millis timeout) {
  sockaddr_storage addr;
  socklen_t len;
  int fd = open_socket(to, SOCK_STREAM, &addr, &len);
  if (fd < 0) return;
  // Non-blocking connect so a dead server costs at most `timeout`.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd pfd{fd, POLLOUT, 0};
    int err = 0;
    socklen_t err_len = sizeof err;
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) == 1 &&
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0)
      rc = 0;
  }
  if (rc != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpConnection::send_raw(const Bytes& bytes) {
  if (fd_ < 0) return false;
  size_t sent = 0;
  auto deadline = Clock::now() + Millis(2000);
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd pfd{fd_, POLLOUT, 0};
      if (::poll(&pfd, 1, millis_left(deadline)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

std::size_t TcpConnection::unread_bytes() const {
  int n = 0;
  if (fd_ < 0 || ::ioctl(fd_, FIONREAD, &n) != 0 || n < 0) return 0;
  return static_cast<std::size_t>(n);
}

bool TcpConnection::wait_unread_settled(Millis timeout) const {
  const auto deadline = Clock::now() + timeout;
  std::size_t seen = unread_bytes();
  auto same_since = Clock::now();
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(20));
    const std::size_t now = unread_bytes();
    if (now != seen) {
      seen = now;
      same_since = Clock::now();
    } else if (seen > 0 && Clock::now() - same_since >= Millis(200)) {
      return true;
    }
  }
  return false;
}

void TcpConnection::reset_on_close() {
  if (fd_ < 0) return;
  linger abort{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
}

bool TcpConnection::send_message(const Bytes& message) {
  return send_raw(tcp_frame(message));
}

bool TcpConnection::read_exact(uint8_t* out, size_t size, Clock::time_point deadline) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::recv(fd_, out + got, size - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;  // EOF
    if (errno != EAGAIN && errno != EINTR) return false;
    int left = millis_left(deadline);
    if (left == 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, left) <= 0) return false;
  }
  return true;
}

std::optional<Bytes> TcpConnection::read_message(Millis timeout) {
  if (fd_ < 0) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  uint8_t prefix[2];
  if (!read_exact(prefix, 2, deadline)) return std::nullopt;
  Bytes message(static_cast<size_t>(prefix[0] << 8 | prefix[1]));
  if (!read_exact(message.data(), message.size(), deadline)) return std::nullopt;
  return message;
}

bool TcpConnection::wait_closed(Millis timeout) {
  if (fd_ < 0) return true;
  auto deadline = Clock::now() + timeout;
  uint8_t scratch[512];
  for (;;) {
    int left = millis_left(deadline);
    if (left == 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    int n = ::poll(&pfd, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    ssize_t got = ::recv(fd_, scratch, sizeof scratch, 0);
    if (got == 0) return true;
    if (got < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset counts as closed
  }
}

std::optional<Bytes> exchange(const Endpoint& to, const Bytes& query, Transport transport, Millis timeout) {
  if (transport == Transport::Udp) return udp_exchange(to, query, timeout);
  TcpConnection conn(to, timeout);
  if (!conn.send_message(query)) return std::nullopt;
  return conn.read_message(timeout);
}

std::string type_name(uint16_t type) {
  return owned_string(ldns_rr_type2str(static_cast<ldns_rr_type>(type)));
}

std::string rcode_name(unsigned rcode) {
  switch (rcode) {
    case kRcodeNoError:
      return "NOERROR";
    case kRcodeFormErr:
      return "FORMERR";
    case kRcodeServFail:
      return "SERVFAIL";
    case kRcodeNxDomain:
      return "NXDOMAIN";
    case kRcodeNotImp:
      return "NOTIMP";
    case kRcodeRefused:
      return "REFUSED";
    case kRcodeBadVers:
      return "BADVERS";
    default:
      return "RCODE" + std::to_string(rcode);
  }
}

std::string to_string(const RRset& rrset) {
  std::ostringstream out;
  out << rrset.owner << " " << rrset.ttl << " "
      << (rrset.klass == kClassIN ? "IN" : "CLASS" + std::to_string(rrset.klass)) << " "
      << type_name(rrset.type) << " {";
  for (size_t i = 0; i < rrset.rdata.size(); ++i) out << (i ? " | " : " ") << rrset.rdata[i];
  out << " }";
  return out.str();
}

std::optional<std::string> Reply::nsid() const {
  for (const auto& o : options)
    if (o.code == kOptionNsid) return std::string(o.data.begin(), o.data.end());
  return std::nullopt;
}

std::vector<RRset> Reply::answers_of(uint16_t type) const {
  std::vector<RRset> out;
  for (const auto& s : answer)
    if (s.type == type) out.push_back(s);
  return out;
}

std::optional<Reply> decode(const Bytes& wire) {
  if (wire.size() < 12) return std::nullopt;
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, wire.data(), wire.size()) != LDNS_STATUS_OK || !pkt) return std::nullopt;
  Reply r;
  r.id = static_cast<uint16_t>(wire[0] << 8 | wire[1]);
  r.qr = wire[2] & 0x80;
  r.opcode = (wire[2] >> 3) & 0xf;
  r.aa = wire[2] & 0x04;
  r.tc = wire[2] & 0x02;
  r.rd = wire[2] & 0x01;
  r.ra = wire[3] & 0x80;
  r.ad = wire[3] & 0x20;
  r.cd = wire[3] & 0x10;
  r.rcode = wire[3] & 0xf;
  r.qdcount = static_cast<uint16_t>(wire[4] << 8 | wire[5]);
  r.ancount = static_cast<uint16_t>(wire[6] << 8 | wire[7]);
  r.nscount = static_cast<uint16_t>(wire[8] << 8 | wire[9]);
  r.arcount = static_cast<uint16_t>(wire[10] << 8 | wire[11]);
  r.answer = to_rrsets(ldns_pkt_answer(pkt), &r.answer_records);
  r.authority = to_rrsets(ldns_pkt_authority(pkt), nullptr);
  r.additional = to_rrsets(ldns_pkt_additional(pkt), nullptr);  // ldns already removed the OPT record
  r.text = owned_string(ldns_pkt2str(pkt));
  ldns_pkt_free(pkt);
  read_opt(wire, r);
  return r;
}

std::string packet_text(const Bytes& wire) {
  if (auto r = decode(wire)) return r->text;
  std::ostringstream out;
  out << "(unparseable, " << wire.size() << " bytes:";
  for (auto b : wire) out << ' ' << std::hex << static_cast<int>(b);
  out << ")";
  return out.str();
}

}  // namespace sgdns::test
