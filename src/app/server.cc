// SPDX-License-Identifier: MIT
// Server wiring and the control loop: start transports, reload on SIGHUP, stop on SIGTERM/SIGINT.
#include "sgdns/app/server.h"

#include <uv.h>

#include <thread>

#include "sgdns/net/tcp_server.h"
#include "sgdns/net/udp_server.h"
#include "sgdns/net/world_store.h"
#include "sgdns/util/log.h"
#include "sgdns/zone/error.h"

namespace sgdns::app {
namespace {

struct Control {
  config::Config config;
  net::WorldStore* store = nullptr;
  std::uint64_t generation = 1;
};

std::string describe(const engine::World& world) {
  std::string out;
  for (const auto& z : world.zones.zones()) {
    if (!out.empty()) out += ", ";
    out += z->origin_text() + " serial " + std::to_string(z->serial()) + " (" +
           std::to_string(z->record_count()) + " records)";
  }
  return out;
}

/// Builds the new World beside the old one; a failure leaves the old one serving.
void reload(Control& control) {
  log::info("reload: started");
  try {
    config::Config next = config::reload_config(control.config);
    auto world = config::build_world(next, control.generation + 1);
    if (next.listen.size() != control.config.listen.size())
      log::warn("reload: listen addresses change only at restart");
    control.store->publish(world);
    ++control.generation;
    log::set_level(next.log_level);
    control.config = std::move(next);
    log::info("reload: done, generation " + std::to_string(control.generation) + ": " + describe(*world));
  } catch (const std::exception& e) {
    log::error(std::string("reload refused, still serving generation ") + std::to_string(control.generation) +
               ": " + e.what());
  }
}

int worker_count(const config::Config& c) {
  if (c.threads > 0) return c.threads;
  unsigned cores = std::thread::hardware_concurrency();
  return cores ? static_cast<int>(cores) : 1;
}

}  // namespace

int run_server(config::Config config) {
  log::set_level(config.log_level);
  auto world = config::build_world(config, 1);
  log::info("loaded " + describe(*world));
  net::WorldStore store(world);
  world.reset();
  net::UdpServer udp(config.listen, worker_count(config), store);
  net::TcpServer tcp(config.listen, {config.tcp_idle_timeout_ms, config.tcp_max_connections}, store);
  udp.start();
  tcp.start();
  for (const auto& a : config.listen) log::info("listening on " + a.text + " (udp, tcp)");
  log::info("ready: " + std::to_string(worker_count(config)) + " udp workers");

  Control control{std::move(config), &store};
  uv_loop_t loop;
  uv_loop_init(&loop);
  loop.data = &control;
  uv_signal_t hup, term, intr;
  for (uv_signal_t* s : {&hup, &term, &intr}) uv_signal_init(&loop, s);
  uv_signal_start(
      &hup, [](uv_signal_t* s, int) { reload(*static_cast<Control*>(s->loop->data)); }, SIGHUP);
  auto stop = [](uv_signal_t* s, int signum) {
    log::info(std::string("stopping on ") + (signum == SIGTERM ? "SIGTERM" : "SIGINT"));
    uv_stop(s->loop);
  };
  uv_signal_start(&term, stop, SIGTERM);
  uv_signal_start(&intr, stop, SIGINT);
  uv_run(&loop, UV_RUN_DEFAULT);

  for (uv_signal_t* s : {&hup, &term, &intr}) uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  udp.stop();
  tcp.stop();
  log::info("stopped");
  return 0;
}

}  // namespace sgdns::app
