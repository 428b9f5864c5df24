// SPDX-License-Identifier: MIT
// The process itself: SIGPIPE ignored (a peer that resets with replies pending cannot kill it), the
// open-files limit raised at start and checked against the configuration.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_helpers.h"

using namespace sgdns::test;

namespace {

/// The value of "Key:" in /proc/PID/status (or limits), "" when absent.
std::string proc_field(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "";
}

bool signal_ignored(pid_t pid, int sig) {
  std::string mask = proc_field(pid, "status", "SigIgn:");
  unsigned long long bits = std::stoull(mask, nullptr, 16);
  return (bits >> (sig - 1)) & 1;
}

std::size_t open_descriptors(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace

TEST_CASE(
    "with the admin port off, SIGPIPE is ignored and a reset with replies pending leaves the server running",
    "[integration][hardening]") {
  ServedZone zone("it.test.", integration_zone());
  pid_t pid = zone.server->process().pid();
  INFO("SigIgn: " << proc_field(pid, "status", "SigIgn:"));
  CHECK(signal_ignored(pid, SIGPIPE));

  const std::size_t idle_descriptors = open_descriptors(pid);
  for (int round = 0; round < 5; ++round) {
    {
      // TcpConnection closes on destruction; SO_LINGER 0 turns that close into a reset.
      TcpConnection conn(zone.endpoint());
      REQUIRE(conn.connected());
      Bytes framed = tcp_frame(build_query(make_query("big.it.test.", kTypeTXT)));
      Bytes all;
      for (int i = 0; i < 5000; ++i) all.insert(all.end(), framed.begin(), framed.end());
      conn.send_raw(all);
      // The server is writing replies when the reset arrives: its next write gets EPIPE (or SIGPIPE).
      const auto replying_by = std::chrono::steady_clock::now() + Millis(5000);
      while (conn.unread_bytes() == 0 && std::chrono::steady_clock::now() < replying_by)
        std::this_thread::sleep_for(Millis(5));
      REQUIRE(conn.unread_bytes() > 0);
      conn.reset_on_close();
    }
    // The server has met the reset once it closed its side: its descriptors are back to the idle count
    // (or it died, which the REQUIRE below reports).
    const auto closed_by = std::chrono::steady_clock::now() + Millis(5000);
    while (zone.server->process().running() && open_descriptors(pid) > idle_descriptors &&
           std::chrono::steady_clock::now() < closed_by)
      std::this_thread::sleep_for(Millis(10));
    CHECK(open_descriptors(pid) <= idle_descriptors);
  }
  INFO("sgdns log:\n" << zone.server->stderr_text());
  REQUIRE(zone.server->process().running());
  for (Transport t : {Transport::Udp, Transport::Tcp}) {
    Reply soa = zone.ask(make_query("it.test.", kTypeSOA), t);
    CHECK(soa.rcode == kRcodeNoError);
  }
}

TEST_CASE("the soft open-files limit is raised to the hard one, and a limit too small is named at start",
          "[integration][hardening]") {
  TempDir dir;
  std::string zone = dir.write("it.test.zone", integration_zone());
  const uint16_t port = free_port();
  auto start = [&](const std::string& nofile, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"/usr/bin/prlimit",
                                  "--nofile=" + nofile,
                                  "--",
                                  sgdns_binary(),
                                  "--listen",
                                  "127.0.0.1:" + std::to_string(port),
                                  "--zone",
                                  "it.test.=" + zone,
                                  "--threads",
                                  "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(argv, dir.file("log-" + nofile));
  };
  {
    auto server = start("512:8192", {});
    REQUIRE(wait_until_answers(*server, "127.0.0.1", port, "it.test."));
    std::string limits = proc_field(server->pid(), "limits", "Max open files");
    INFO("Max open files" << limits << "\nlog:\n" << server->log());
    std::istringstream fields(limits);
    std::string soft, hard;
    fields >> soft >> hard;
    CHECK(soft == "8192");
    CHECK(hard == "8192");
    CHECK(server->log().find("open files limit raised from 512 to 8192") != std::string::npos);
  }
  {
    auto server = start("300:300", {"--tcp-max-connections", "1024"});
    auto status = server->wait_exit(Millis(10000));
    std::string log = server->log();
    INFO("log:\n" << log);
    REQUIRE(status.has_value());
    CHECK(*status == 2);
    CHECK(log.find("RLIMIT_NOFILE is 300") != std::string::npos);
    CHECK(log.find("lower tcp.max_connections (--tcp-max-connections) to") != std::string::npos);
  }
}
