// SPDX-License-Identifier: MIT
// Health-check test beds: real HTTP backends and an sgdns configured to probe them.
#include "http_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

bool tcp_port_free(const std::string& address, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as http.server does
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) == 1 &&
            ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump();
}

std::string json_list(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump();
}

}  // namespace

uint16_t free_port_on(const std::vector<std::string>& addresses) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    uint16_t port = free_port();
    bool all = true;
    for (const auto& a : addresses) all = all && tcp_port_free(a, port);
    if (all) return port;
  }
  throw std::runtime_error("no port free on every backend address");
}

// --- HttpBackend -----------------------------------------------------------------------------------

HttpBackend::HttpBackend(std::string address, uint16_t port) : address_(std::move(address)), port_(port) {
  dir_.write("index.html", "ok\n");
}

HttpBackend::~HttpBackend() {
  if (process_ && paused_) process_->signal(SIGCONT);
  process_.reset();  // SIGKILL and reap
}

void HttpBackend::start() {
  if (process_ && process_->running()) throw std::logic_error("backend " + address_ + " is already running");
  ++starts_;
  paused_ = false;
  process_ =
      std::make_unique<Process>(std::vector<std::string>{kPython, "-m", "http.server", std::to_string(port_),
                                                         "--bind", address_, "--directory", dir_.path()},
                                dir_.file("backend-" + std::to_string(starts_) + ".log"));
}

bool HttpBackend::wait_serving(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!process_ || !process_->running()) return false;
    HttpRequest get;
    HttpResponse r = http_request(address_, port_, get, Millis(500));
    if (r.status == 200 && r.body.find("ok") != std::string::npos) return true;
    std::this_thread::sleep_for(Millis(30));
  }
  return false;
}

void HttpBackend::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit(Millis(5000));
  paused_ = false;
}

void HttpBackend::pause() {
  if (process_ && process_->signal(SIGSTOP)) paused_ = true;
}

void HttpBackend::resume() {
  if (process_ && process_->signal(SIGCONT)) paused_ = false;
}

bool HttpBackend::running() {
  return process_ && process_->running();
}

std::string HttpBackend::log() const {
  return process_ ? process_->log() : "";
}

// --- configuration -----------------------------------------------------------------------------------

std::string health_zone(uint32_t serial) {
  return "$ORIGIN fo.test.\n"
         "$TTL 300\n"
         "@    IN SOA ns1 hostmaster " +
         std::to_string(serial) +
         " 7200 3600 1209600 60\n"
         "     IN NS  ns1\n"
         "ns1  IN A   192.0.2.53\n"
         "www  IN TXT \"static data beside the dynamic A record\"\n";
}

std::string health_config(const HealthSetup& s, uint16_t admin_port) {
  std::vector<std::string> pools{"edge"};
  if (!s.backup_members.empty()) pools.push_back("backup");
  std::string text = "{\n";
  text += "  \"zones\": [{\"origin\": \"fo.test.\", \"file\": \"fo.test.zone\"}],\n";
  text += "  \"failover_budget\": " + json_string(s.failover_budget) + ",\n";
  text += "  \"regions\": {\"lab\": {\"location\": [50.11, 8.68]}},\n";
  text += "  \"checks\": {\"web\": {\"type\": \"http\", \"port\": " + std::to_string(s.check_port) +
          ", \"path\": \"/\", \"expect\": [200], \"body\": \"ok\", \"interval\": \"1s\", \"timeout\": "
          "\"700ms\", \"fall\": 2, \"rise\": 2, \"start_up\": " +
          json_string(s.start_up) + ", \"recheck\": \"150ms\", \"jitter\": \"100ms\"}},\n";
  text += "  \"pools\": {\"edge\": {\"check\": \"web\", \"members\": " + json_list(s.members) + "}";
  if (!s.backup_members.empty()) text += ", \"backup\": {\"members\": " + json_list(s.backup_members) + "}";
  text += "},\n";
  text += "  \"records\": {\"www.fo.test.\": {\"types\": [\"A\"], \"ttl\": " + std::to_string(s.ttl) +
          ", \"min_ttl\": 1, \"policy\": " + json_string(s.policy) + ", \"pools\": " + json_list(pools) +
          ", \"max_answers\": " + std::to_string(s.max_answers) + "}},\n";
  text += "  \"admin\": {\"listen\": \"127.0.0.1:" + std::to_string(admin_port) +
          "\", \"token_file\": \"token.txt\", \"state_file\": \"overrides.json\"}\n";
  text += "}\n";
  return text;
}

// --- HealthServer ------------------------------------------------------------------------------------

HealthServer::HealthServer(const HealthSetup& setup, bool start_now)
    : config_path_(dir_.file("sgdns.json")),
      state_path_(dir_.file("overrides.json")),
      admin_port_(free_port()),
      admin_("127.0.0.1", admin_port_, "test-token-0123456789abcdef") {
  // A secret: readable by its owner only (sgdns warns about anything looser).
  ::chmod(dir_.write("token.txt", admin_.token() + "\n").c_str(), 0600);
  write_zone(setup.serial);
  write_config(setup);
  if (start_now) start();
}

void HealthServer::start() {
  if (server_ && server_->process().running()) throw std::logic_error("sgdns is already running");
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_path_});
}

bool HealthServer::wait_ready(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  if (!server_->wait_ready(kHealthZone, "127.0.0.1", timeout)) return false;
  while (Clock::now() < deadline) {
    if (!server_->process().running()) return false;
    if (admin_.get("/v1/status").status == 200) return true;
    std::this_thread::sleep_for(Millis(20));
  }
  return false;
}

void HealthServer::kill9() {
  if (!server_) return;
  server_->signal(SIGKILL);
  server_->wait_exit(Millis(5000));
}

void HealthServer::write_config(const HealthSetup& setup) const {
  write_config_text(health_config(setup, admin_port_));
}

void HealthServer::write_config_text(const std::string& text) const {
  write_file(config_path_, text);
}

void HealthServer::write_zone(uint32_t serial) const {
  write_file(dir_.file("fo.test.zone"), health_zone(serial));
}

std::optional<std::set<std::string>> HealthServer::addresses(const std::string& name) const {
  QueryOptions q;
  q.name = name;
  q.type = kTypeA;
  auto wire = exchange(dns(), build_query(q), Transport::Udp, Millis(1000));
  if (!wire) return std::nullopt;
  auto reply = decode(*wire);
  if (!reply) return std::nullopt;
  std::set<std::string> out;
  for (const RRset& rrset : reply->answers_of(kTypeA)) out.insert(rrset.rdata.begin(), rrset.rdata.end());
  return out;
}

std::optional<nlohmann::json> HealthServer::status() const {
  HttpResponse r = admin_.get("/v1/status");
  if (r.status != 200) return std::nullopt;
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

nlohmann::json HealthServer::endpoint(const std::string& name) const {
  auto doc = status();
  if (!doc || !doc->contains("endpoints") || !(*doc)["endpoints"].is_array()) return nullptr;
  std::string full = name.find('/') == std::string::npos ? "edge/" + name : name;
  for (const auto& e : (*doc)["endpoints"])
    if (e.is_object() && e.value("name", "") == full) return e;
  return nullptr;
}

std::string describe(const std::set<std::string>& addresses) {
  std::string out = "{";
  for (const auto& a : addresses) out += (out.size() > 1 ? ", " : "") + a;
  return out + "}";
}

std::string describe(const std::optional<std::set<std::string>>& addresses) {
  return addresses ? describe(*addresses) : "(no reply)";
}

}  // namespace sgdns::test
