// SPDX-License-Identifier: MIT
// Local servers for the prober's tests: a switchable one-thread HTTP server, a listener whose full
// accept queue makes connects hang, and small process helpers.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sgdns::health_test {

/// HTTP/1.1 on 127.0.0.1 or ::1, ephemeral port, one poll() thread for any number of connections.
class TestHttpServer {
 public:
  enum class Mode {
    Ok,           // "200 OK" with the body (default "ok")
    Unavailable,  // "503 Service Unavailable"
    Hang,         // accepts and reads, never answers (like a SIGSTOPped backend)
    Closed,       // no listener: connects are refused (like a killed backend)
  };

  /// Listens now; throws std::runtime_error when the address cannot be bound.
  explicit TestHttpServer(std::string address = "127.0.0.1");
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& address() const { return address_; }
  /// Applies a mode and returns once the server thread has (listener closed or reopened on the same
  /// port). False when reopening failed or the thread did not answer within 2 s.
  bool set_mode(Mode mode);
  void set_body(std::string body);
  /// Requests received whole: answered, or held in Mode::Hang.
  [[nodiscard]] std::uint64_t requests() const { return requests_.load(); }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    bool hung = false;
    bool answered = false;  // response sent, waiting for the peer to close
  };

  bool open_listener();
  void close_listener();
  void run();
  void apply_mode();
  void accept_all();
  bool serve(Client& c);  // false: close it
  void respond(Client& c);
  void close_clients(bool only_hung);

  std::string address_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::vector<Client> clients_;

  std::mutex mu_;
  std::condition_variable applied_cv_;
  Mode mode_ = Mode::Ok;
  Mode applied_mode_ = Mode::Ok;
  std::string body_ = "ok";
  std::uint64_t wanted_ = 0, applied_ = 0;
  bool listen_ok_ = true;
  bool stop_ = false;
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

/// A 127.0.0.1 listener that never accepts, with its accept queue filled, so new connects hang.
class BlackholeListener {
 public:
  BlackholeListener();
  ~BlackholeListener();
  BlackholeListener(const BlackholeListener&) = delete;
  BlackholeListener& operator=(const BlackholeListener&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
};

/// Whether ::1 can be bound here (IPv6 may be disabled in containers).
bool ipv6_loopback_available();
/// Threads of this process, from /proc/self/status.
int thread_count();
/// An ephemeral 127.0.0.1 port that was free a moment ago (for servers we do not write ourselves).
std::uint16_t free_port();
/// Whether `address`:`port` accepts TCP connections now.
bool accepts(const std::string& address, std::uint16_t port);

}  // namespace sgdns::health_test
