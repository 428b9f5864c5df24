// SPDX-License-Identifier: MIT
// Shared pieces of the hostile-clients suite.
#include "hostile.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

long status_field_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

bool is_answer(const std::optional<Bytes>& wire, uint16_t id) {
  if (!wire) return false;
  auto r = decode(*wire);
  return r && r->id == id && r->rcode == kRcodeNoError && !r->tc && !r->answer.empty();
}

}  // namespace

std::size_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<std::size_t>(limit.rlim_cur);
}

long rss_kib(pid_t pid) {
  return status_field_kib(pid, "VmRSS");
}

long peak_rss_kib(pid_t pid) {
  return status_field_kib(pid, "VmHWM");
}

std::optional<double> timed_tcp_query(const Endpoint& to, const std::string& name, Millis timeout) {
  const auto start = Clock::now();
  TcpConnection conn(to, timeout);
  if (!conn.connected()) return std::nullopt;
  QueryOptions q;
  q.name = name;
  q.id = 4711;
  if (!conn.send_message(build_query(q))) return std::nullopt;
  auto left = timeout - std::chrono::duration_cast<Millis>(Clock::now() - start);
  if (left <= Millis(0) || !is_answer(conn.read_message(left), q.id)) return std::nullopt;
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::optional<double> timed_udp_query(const Endpoint& to, const std::string& name, Millis timeout) {
  const auto start = Clock::now();
  QueryOptions q;
  q.name = name;
  q.id = 4712;
  if (!is_answer(exchange(to, build_query(q), Transport::Udp, timeout), q.id)) return std::nullopt;
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double Latencies::percentile(double p) const {
  if (ms.empty()) return 0;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

void print_figure(const std::string& scenario, const std::string& figure) {
  std::printf("hostile %s: %s\n", scenario.c_str(), figure.c_str());
  std::fflush(stdout);
}

}  // namespace sgdns::test
