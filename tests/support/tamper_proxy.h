// SPDX-License-Identifier: MIT
// A UDP proxy on loopback that forwards DNS queries to a server and flips one byte of the first answer
// record's RDATA in replies whose first answer has a chosen type: a forged answer a validator must reject.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace sgdns::test {

class TamperProxy {
 public:
  // Listens on 127.0.0.1 on a free port, forwarding to 127.0.0.1:`server_port`.
  TamperProxy(uint16_t server_port, uint16_t tampered_type);
  ~TamperProxy();  // stops and joins the thread
  TamperProxy(const TamperProxy&) = delete;
  TamperProxy& operator=(const TamperProxy&) = delete;

  uint16_t port() const { return port_; }
  // Replies changed so far.
  int tampered() const { return tampered_.load(); }

 private:
  void run();

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  uint16_t server_port_;
  uint16_t type_;
  std::atomic<bool> stop_{false};
  std::atomic<int> tampered_{0};
  std::thread thread_;
};

// Flips the last RDATA byte of the first answer record when its type is `type`; false when the message has
// no such record (or cannot be walked).
bool tamper_first_answer(uint8_t* msg, size_t len, uint16_t type);

}  // namespace sgdns::test
