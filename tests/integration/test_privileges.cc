// SPDX-License-Identifier: MIT
// Started as root with `user` set: every socket (DNS on a port below 1024, admin) is bound first, then the
// process runs as that user for good. Skipped, with a message, when the tests do not run as root.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http_client.h"
#include "test_helpers.h"

using namespace sgdns::test;

namespace {

constexpr const char* kUser = "nobody";  // present on every Debian system (uid 65534)

std::string proc_status(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

/// The four ids of a /proc status line ("Uid:\t65534\t65534\t65534\t65534").
std::vector<long> ids(const std::string& line) {
  std::istringstream in(line);
  std::vector<long> out;
  for (long v; in >> v;) out.push_back(v);
  return out;
}

bool bindable(int type, uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// A port below 1024 free for UDP and TCP on 127.0.0.1 (only root can bind those).
uint16_t privileged_port(uint16_t not_this = 0) {
  for (uint16_t port = 1023; port > 600; --port) {
    if (port != not_this && bindable(SOCK_DGRAM, port) && bindable(SOCK_STREAM, port)) return port;
  }
  throw std::runtime_error("no free port below 1024 on 127.0.0.1");
}

struct PrivilegedBed {
  PrivilegedBed() {
    passwd* pw = ::getpwnam(kUser);
    REQUIRE(pw != nullptr);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    // The scratch folder is 0700 root: the user must be able to read the zone (reloads) and write state.
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    zone = dir.write("it.test.zone", integration_zone());
    token = dir.write("token", "privileges-token-0123456789\n");
    REQUIRE(::chmod(token.c_str(), 0600) == 0);  // read as root, before the drop
    state_dir = dir.file("state");
    REQUIRE(::mkdir(state_dir.c_str(), 0700) == 0);
    dns_port = privileged_port();
    admin_port = privileged_port(dns_port);
  }
  std::vector<std::string> argv(const std::string& state) const {
    return {sgdns_binary(),
            "--listen",
            "127.0.0.1:" + std::to_string(dns_port),
            "--zone",
            "it.test.=" + zone,
            "--user",
            kUser,
            "--admin",
            "127.0.0.1:" + std::to_string(admin_port),
            "--admin-token-file",
            token,
            "--state-file",
            state};
  }
  TempDir dir;
  std::string zone, token, state_dir;
  uid_t uid = 0;
  gid_t gid = 0;
  uint16_t dns_port = 0, admin_port = 0;
};

}  // namespace

TEST_CASE("started as root with user set, sgdns binds port 53-style ports and then runs as that user",
          "[integration][hardening][privileges]") {
  if (::geteuid() != 0) {
    WARN("skipped: dropping privileges can only be tested when the tests run as root");
    return;
  }
  PrivilegedBed bed;
  REQUIRE(::chown(bed.state_dir.c_str(), bed.uid, bed.gid) == 0);
  Process server(bed.argv(bed.state_dir + "/overrides.json"), bed.dir.file("log"));
  bool ready = wait_until_answers(server, "127.0.0.1", bed.dns_port, "it.test.");
  INFO("ports " << bed.dns_port << " (dns), " << bed.admin_port << " (admin)\nlog:\n" << server.log());
  REQUIRE(ready);
  const pid_t pid = server.pid();
  std::vector<long> uids = ids(proc_status(pid, "Uid")), gids = ids(proc_status(pid, "Gid"));
  INFO("Uid:" << proc_status(pid, "Uid") << " Gid:" << proc_status(pid, "Gid")
              << " Groups:" << proc_status(pid, "Groups") << " CapEff:" << proc_status(pid, "CapEff"));
  REQUIRE(uids.size() == 4);  // real, effective, saved, filesystem
  for (long u : uids) CHECK(u == static_cast<long>(bed.uid));
  for (long g : gids) CHECK(g == static_cast<long>(bed.gid));
  CHECK(ids(proc_status(pid, "Groups")) == std::vector<long>{static_cast<long>(bed.gid)});
  CHECK(std::stoull(proc_status(pid, "CapEff"), nullptr, 16) == 0);
  CHECK(server.log().find("running as user nobody") != std::string::npos);
  // Every thread dropped, not just the main one.
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream in(entry.path() / "status");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("Uid:\t" + std::to_string(bed.uid) + "\t" + std::to_string(bed.uid)) !=
          std::string::npos);
  }
  // DNS on the privileged port answers over UDP and TCP; the admin port (bound before the drop) too.
  Endpoint dns("127.0.0.1", bed.dns_port);
  for (Transport t : {Transport::Udp, Transport::Tcp})
    CHECK(ask(dns, make_query("it.test.", kTypeSOA), t).rcode == 0);
  AdminClient admin("127.0.0.1", bed.admin_port, "privileges-token-0123456789");
  CHECK(admin.get("/v1/status").status == 200);
  // A reload re-reads the zone as the unprivileged user.
  REQUIRE(server.signal(SIGHUP));
  CHECK(server.wait_for_log("reload: done", Millis(10000)));
  server.signal(SIGTERM);
  CHECK(server.wait_exit(Millis(10000)) == std::optional<int>(0));
}

TEST_CASE("a state folder the user cannot write stops the start with the setting named",
          "[integration][hardening][privileges]") {
  if (::geteuid() != 0) {
    WARN("skipped: dropping privileges can only be tested when the tests run as root");
    return;
  }
  PrivilegedBed bed;  // state_dir stays root's, mode 0700
  Process server(bed.argv(bed.state_dir + "/overrides.json"), bed.dir.file("log"));
  auto status = server.wait_exit(Millis(10000));
  std::string log = server.log();
  INFO("log:\n" << log);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK(log.find("admin.state_file " + bed.state_dir + "/overrides.json: its folder " + bed.state_dir +
                 " is not writable by nobody") != std::string::npos);
}

TEST_CASE("running as root without user logs a warning; an unknown user is refused before binding",
          "[integration][hardening][privileges]") {
  if (::geteuid() != 0) {
    WARN("skipped: the root warning can only be tested when the tests run as root");
    return;
  }
  ServedZone zone("it.test.", integration_zone());
  CHECK(zone.server->stderr_text().find("running as root: set \"user\"") != std::string::npos);
  ServerProcess bad({"--zone", "it.test.=" + zone.zone_path, "--user", "no-such-user-sgdns"});
  auto status = bad.wait_exit(Millis(10000));
  INFO("log:\n" << bad.stderr_text());
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK(bad.stderr_text().find("user no-such-user-sgdns: no such user") != std::string::npos);
}
