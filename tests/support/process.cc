// SPDX-License-Identifier: MIT
// Child processes for black-box tests: the sgdns binary, reference servers and CLI tools, all bounded in
// time.
#include "process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "dns_client.h"

namespace sgdns::test {
namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Binds `type` on 127.0.0.1:port (0 = any); returns the fd and the bound port, or -1.
int bind_loopback(int type, uint16_t port, uint16_t* bound) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

CommandResult run_command(const std::string& command, Millis timeout) {
  CommandResult result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return result;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    // Own process group, so a timeout can kill the shell and whatever it started.
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, to win the race against the child
  ::close(fds[1]);
  auto deadline = Clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(fds[0], buffer, sizeof buffer);
    if (got <= 0) break;  // EOF: every writer has gone
    result.output.append(buffer, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  if (result.timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  // The pipe is closed, so the shell is exiting; still bound the wait.
  for (int i = 0; i < 500; ++i) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (!result.timed_out) result.exit_code = decode_status(status);
      return result;
    }
    if (i == 250) ::kill(-pid, SIGKILL);
    std::this_thread::sleep_for(Millis(10));
  }
  return result;
}

uint16_t free_port() {
  // The port must be free for UDP and TCP alike; retry a bounded number of times.
  for (int attempt = 0; attempt < 50; ++attempt) {
    uint16_t port = 0;
    int udp = bind_loopback(SOCK_DGRAM, 0, &port);
    if (udp < 0) continue;
    uint16_t same = 0;
    int tcp = bind_loopback(SOCK_STREAM, port, &same);
    ::close(udp);
    if (tcp >= 0) {
      ::close(tcp);
      return port;
    }
  }
  throw std::runtime_error("no free loopback port found");
}

std::string sgdns_binary() {
  const char* env = std::getenv("SGDNS_BINARY");
  return env ? env : "";
}

Process::Process(const std::vector<std::string>& argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  if (argv.empty()) throw std::invalid_argument("Process needs argv[0]");
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path_);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(cargv[0], cargv.data());
    static const char msg[] = "test harness: execv failed\n";
    [[maybe_unused]] ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
}

Process::~Process() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_exit(Millis(5000));
}

bool Process::running() {
  if (status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = decode_status(status);
    return false;
  }
  return r == 0;
}

bool Process::signal(int sig) {
  return running() && ::kill(pid_, sig) == 0;
}

std::optional<int> Process::wait_exit(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(10));
  }
  return status_;
}

bool Process::wait_for_log(const std::string& needle, Millis timeout) const {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (log().find(needle) != std::string::npos) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(50));
  }
}

bool wait_until_answers(Process& process, const std::string& host, uint16_t port, const std::string& zone,
                        Millis timeout) {
  auto deadline = Clock::now() + timeout;
  QueryOptions q;
  q.name = zone;
  q.type = kTypeSOA;
  while (Clock::now() < deadline) {
    if (!process.running()) return false;
    auto reply = exchange({host, port}, build_query(q), Transport::Udp, Millis(200));
    if (reply) {
      auto decoded = decode(*reply);
      // Any well-formed reply means the sockets are up; the zone is loaded when it is not REFUSED/SERVFAIL.
      if (decoded && decoded->rcode == 0) return true;
    }
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args, bool add_listen) : port_(free_port()) {
  std::string binary = sgdns_binary();
  if (binary.empty()) throw std::runtime_error("SGDNS_BINARY is not set");
  if (::access(binary.c_str(), X_OK) != 0)
    throw std::runtime_error("SGDNS_BINARY is not executable: " + binary);
  std::vector<std::string> argv{binary};
  if (add_listen) {
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:" + std::to_string(port_));
  }
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv, dir_.file("stderr.log"));
}

}  // namespace sgdns::test
