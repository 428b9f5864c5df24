// SPDX-License-Identifier: MIT
// Metrics: the Prometheus registry (control-side gauges, counters, histograms) plus the per-worker query
// counters summed at scrape time, served as text exposition on /metrics.
#pragma once
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sgdns/metrics/counters.h"

namespace sgdns::metrics {

class Metrics {
  // First member: the families below are registered in it while the object is being built.
  std::shared_ptr<prometheus::Registry> registry_;

 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  CounterSet& counters() noexcept { return counters_; }

  /// What record/region/pool index i means from now on. Counts gathered under the old meaning are
  /// folded into per-name totals first, so a reload that reorders records keeps every count.
  void set_names(std::vector<std::string> records, std::vector<std::string> regions,
                 std::vector<std::string> pools);

  /// Prometheus text exposition of everything.
  [[nodiscard]] std::string scrape();

  prometheus::Family<prometheus::Gauge>& endpoint_up;
  prometheus::Family<prometheus::Counter>& health_flips;
  prometheus::Family<prometheus::Counter>& probe_failures;
  prometheus::Family<prometheus::Histogram>& probe_duration;
  prometheus::Family<prometheus::Counter>& reloads;
  prometheus::Family<prometheus::Gauge>& zone_serial;
  prometheus::Gauge& config_generation;
  prometheus::Family<prometheus::Counter>& override_changes;
  /// A corrupt or unreadable admin.state_file moved aside at start (the server started without it).
  prometheus::Counter& state_file_quarantined;
  /// Always 1, labelled with version, commit and build type (the Prometheus "info" idiom).
  prometheus::Family<prometheus::Gauge>& build_info;

 private:
  class QueryCollectable;
  CounterSet counters_;
  std::shared_ptr<QueryCollectable> queries_;
};

}  // namespace sgdns::metrics
