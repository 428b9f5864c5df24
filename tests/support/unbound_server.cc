// SPDX-License-Identifier: MIT
// A throwaway unbound on a loopback port in front of sgdns (unbound_server.h).
#include "unbound_server.h"

#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "dns_client.h"

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

// True once unbound answers a recursive SOA query for `zone` with NOERROR (it reached the stub).
bool wait_recursive_answer(Process& process, uint16_t port, const std::string& zone, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  QueryOptions q;
  q.name = zone;
  q.type = kTypeSOA;
  q.rd = true;
  q.edns = true;
  while (Clock::now() < deadline) {
    if (!process.running()) return false;
    auto wire = exchange({"127.0.0.1", port}, build_query(q), Transport::Udp, Millis(500));
    if (wire) {
      auto reply = decode(*wire);
      if (reply && reply->rcode == kRcodeNoError && !reply->answers_of(kTypeSOA).empty()) return true;
    }
    std::this_thread::sleep_for(Millis(100));
  }
  return false;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

std::string find_unbound() {
  for (const char* path : {"/usr/sbin/unbound", "/usr/local/sbin/unbound"})
    if (::access(path, X_OK) == 0) return path;
  auto which = run_command("command -v unbound", Millis(5000));
  std::string path = which.output.substr(0, which.output.find('\n'));
  return which.exit_code == 0 && !path.empty() ? path : "";
}

UnboundServer::UnboundServer(const UnboundSetup& setup) : port_(free_port()) {
  std::string unbound = find_unbound();
  if (unbound.empty()) throw std::runtime_error("unbound is not installed (apt-get install unbound)");
  const std::string port = std::to_string(port_);
  // Without a trust anchor the zone is declared insecure, so the validator (when loaded) lets it through.
  // test. is one of unbound's built-in empty zones (RFC 6761): "nodefault" lets the stub-zone answer.
  config_text_ =
      "server:\n"
      "    interface: 127.0.0.1@" +
      port +
      "\n"
      "    port: " +
      port +
      "\n"
      "    access-control: 127.0.0.0/8 allow\n"
      "    do-not-query-localhost: no\n"
      "    do-ip6: no\n"
      "    module-config: " +
      quoted(setup.modules) +
      "\n"
      "    send-client-subnet: 127.0.0.1\n"
      "    client-subnet-always-forward: yes\n"
      "    max-client-subnet-ipv4: " +
      std::to_string(setup.max_client_subnet_ipv4) +
      "\n"
      "    username: \"\"\n"
      "    chroot: \"\"\n"
      "    directory: " +
      quoted(dir_.path()) +
      "\n"
      "    pidfile: " +
      quoted(dir_.file("unbound.pid")) +
      "\n"
      "    use-syslog: no\n"
      "    logfile: " +
      quoted(dir_.file("unbound.log")) +
      "\n"
      "    verbosity: 1\n"
      "    num-threads: 1\n"
      "    so-reuseport: no\n"
      "    qname-minimisation: no\n"
      "    target-fetch-policy: \"0 0 0 0 0\"\n"
      "    local-zone: \"test.\" nodefault\n" +
      (setup.trust_anchor_file.empty()
           ? "    domain-insecure: " + quoted(setup.zone) + "\n"
           : "    trust-anchor-file: " + quoted(setup.trust_anchor_file) + "\n    val-log-level: 2\n") +
      (setup.cache_max_ttl > 0 ? "    cache-max-ttl: " + std::to_string(setup.cache_max_ttl) + "\n" : "") +
      "stub-zone:\n"
      "    name: " +
      quoted(setup.zone) +
      "\n"
      "    stub-addr: 127.0.0.1@" +
      std::to_string(setup.auth_port) + "\n";
  std::string conf = dir_.write("unbound.conf", config_text_);
  if (::access("/usr/sbin/unbound-checkconf", X_OK) == 0) {
    auto check = run_command("/usr/sbin/unbound-checkconf " + conf, Millis(10000));
    if (check.exit_code != 0)
      throw std::runtime_error("unbound-checkconf refuses the configuration:\n" + config_text_ + "\n" +
                               check.output);
  }
  process_ = std::make_unique<Process>(std::vector<std::string>{unbound, "-d", "-c", conf},
                                       dir_.file("unbound.out"));
  if (!wait_recursive_answer(*process_, port_, setup.zone, Millis(10000)))
    throw std::runtime_error("unbound did not start or did not resolve " + setup.zone + " within 10 s" +
                             (process_->running() ? "" : " (it exited)") + "; config:\n" + config_text_ +
                             "\nlog:\n" + log());
}

std::string UnboundServer::log() const {
  std::string out = read_file(dir_.file("unbound.log"));
  std::string console = process_ ? process_->log() : "";
  if (!console.empty()) out += (out.empty() ? "" : "\n") + std::string("stdout/stderr:\n") + console;
  return out;
}

}  // namespace sgdns::test
