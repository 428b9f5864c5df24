// SPDX-License-Identifier: MIT
// Child processes for black-box tests: the sgdns binary, reference servers and CLI tools, all bounded in
// time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace sgdns::test {

using Millis = std::chrono::milliseconds;

struct CommandResult {
  int exit_code = -1;      // exit status, or 128+signal; -1 when it could not start
  bool timed_out = false;  // killed because it outlived the timeout
  std::string output;      // stdout and stderr, interleaved
};

// Runs `command` through /bin/sh; kills its whole process group when it outlives `timeout`.
CommandResult run_command(const std::string& command, Millis timeout = Millis(15000));

// A port that is currently free for both UDP and TCP on 127.0.0.1 (found by binding port 0).
uint16_t free_port();

// Path of the binary under test from $SGDNS_BINARY, or "" when unset.
std::string sgdns_binary();

// One child process whose stdout and stderr go to a log file the test can read.
class Process {
 public:
  Process(const std::vector<std::string>& argv, std::string log_path);
  ~Process();  // SIGKILL if still running, then reaps it
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  bool signal(int sig);
  // Exit status (or 128+signal) once it has exited, or nullopt when it is still running after `timeout`.
  std::optional<int> wait_exit(Millis timeout);
  std::string log() const { return read_file(log_path_); }
  const std::string& log_path() const { return log_path_; }
  // True once `needle` appears in the log (or false after `timeout`).
  bool wait_for_log(const std::string& needle, Millis timeout) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Polls with an SOA query for `zone` until the server answers, the process dies or `timeout` passes.
bool wait_until_answers(Process& process, const std::string& host, uint16_t port, const std::string& zone,
                        Millis timeout = Millis(10000));

// The sgdns binary under test, listening on a fresh loopback port.
class ServerProcess {
 public:
  // Starts $SGDNS_BINARY with `args`, adding --listen 127.0.0.1:<free port> first unless `add_listen` is
  // false (then the caller's --listen must use port()).
  explicit ServerProcess(const std::vector<std::string>& args, bool add_listen = true);

  uint16_t port() const { return port_; }
  Process& process() { return *process_; }
  std::string stderr_text() const { return process_->log(); }
  bool wait_ready(const std::string& zone, const std::string& host = "127.0.0.1",
                  Millis timeout = Millis(10000)) {
    return wait_until_answers(*process_, host, port_, zone, timeout);
  }
  bool signal(int sig) { return process_->signal(sig); }
  std::optional<int> wait_exit(Millis timeout) { return process_->wait_exit(timeout); }

 private:
  TempDir dir_;  // holds the stderr log
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

}  // namespace sgdns::test
