// SPDX-License-Identifier: MIT
// Metrics: the Prometheus registry (control-side gauges, counters, histograms) plus the per-worker query
// counters summed at scrape time, served as text exposition on /metrics.
#pragma once
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
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

  /// Dynamic answers by region since start (sgdns_answers_by_region_total), for the status page.
  [[nodiscard]] std::map<std::string, std::uint64_t> answers_by_region();

  /// Prometheus text exposition of everything.
  [[nodiscard]] std::string scrape();

  /// Frames the dnstap output handed to its writer thread and frames it dropped, since start.
  using DnstapCounts = std::function<std::pair<std::uint64_t, std::uint64_t>()>;
  /// While set (dnstap on), scrapes export sgdns_dnstap_frames_total{result="sent|dropped"} from it;
  /// cleared (an empty function) before what it reads goes away.
  void set_dnstap_source(DnstapCounts source);

  /// NOTIFY totals since start: sent (datagrams, retries included), acknowledged and failed (targets),
  /// and received (accepted from a primary).
  struct NotifyTotals {
    std::uint64_t sent = 0, acknowledged = 0, failed = 0, received = 0;
  };
  using NotifyCounts = std::function<NotifyTotals()>;
  /// While set, scrapes export sgdns_notifies_total{result="sent|acknowledged|failed|received"} from it;
  /// cleared before what it reads goes away.
  void set_notify_source(NotifyCounts source);

  /// One figure per name (a record, an endpoint), for alert rules to compare live metrics with.
  using Figures = std::vector<std::pair<std::string, double>>;
  /// What the configuration now being served promises, set at every load: its SHA-256
  /// (sgdns_config_info{sha256}, comparable across instances, unlike the per-process generation), the
  /// failover budget, each record's worst-case failover, each probed endpoint's interval and timeout.
  /// Series of names the new configuration no longer has are removed.
  void set_config_figures(const std::string& sha256, double budget_seconds, const Figures& record_worst_case,
                          const Figures& endpoint_intervals, const Figures& endpoint_timeouts);

  prometheus::Family<prometheus::Gauge>& endpoint_up;
  prometheus::Family<prometheus::Counter>& health_flips;
  prometheus::Family<prometheus::Counter>& probe_failures;
  prometheus::Family<prometheus::Histogram>& probe_duration;
  prometheus::Family<prometheus::Counter>& reloads;
  prometheus::Family<prometheus::Gauge>& zone_serial;
  /// Signed zones: static RRsets whose signatures the served version's load made ("signed") or kept
  /// from the version before ("kept"), by zone.
  prometheus::Family<prometheus::Gauge>& dnssec_static_rrsets;
  prometheus::Gauge& config_generation;
  /// 1 when the last reload was installed (or none was tried yet), 0 after a refused one.
  prometheus::Gauge& config_last_reload_successful;
  prometheus::Family<prometheus::Counter>& override_changes;
  /// Refreshes of secondary zones from their primary, by zone and result (ok, current, failed, rejected).
  prometheus::Family<prometheus::Counter>& zone_transfers_in;
  /// Secondary zones: when the copy expires (answered SERVFAIL) unless the primary is reached before; 0
  /// while there is no copy. What the refresh alerts compare with time().
  prometheus::Family<prometheus::Gauge>& zone_expire_timestamp;
  /// Signed zones with secondaries: when the serial served now was first served (at start: the zone
  /// file's modification time). Secondaries' copies of it hold signatures valid 7 days past it at least.
  prometheus::Family<prometheus::Gauge>& zone_signed_serial_since;
  /// A corrupt or unreadable admin.state_file moved aside at start (the server started without it).
  prometheus::Counter& state_file_quarantined;
  /// The fleet (etcd): 1 while the watch is open; the last etcd revision applied; seconds from an override's
  /// write on some instance to its application here (the newest one applied). All 0 without a fleet.
  prometheus::Gauge& fleet_connected;
  prometheus::Gauge& fleet_revision;
  prometheus::Gauge& fleet_apply_lag;
  /// Always 1, labelled with version, commit and build type (the Prometheus "info" idiom).
  prometheus::Family<prometheus::Gauge>& build_info;

 private:
  class QueryCollectable;
  /// A gauge family whose label values are replaced as a whole (names a reload removed disappear).
  class GaugeSet {
   public:
    GaugeSet(prometheus::Family<prometheus::Gauge>& family, std::string label)
        : family_(family), label_(std::move(label)) {}
    void replace(const Figures& figures);

   private:
    prometheus::Family<prometheus::Gauge>& family_;
    std::string label_;
    std::map<std::string, prometheus::Gauge*> gauges_;
  };
  CounterSet counters_;
  std::shared_ptr<QueryCollectable> queries_;
  std::mutex figures_mu_;  // loads and reloads may run on different threads
  GaugeSet config_info_, failover_worst_case_, probe_interval_, probe_timeout_;
  prometheus::Gauge& failover_budget_;
  std::mutex dnstap_mu_;  // set by the control thread, read by scrapes
  DnstapCounts dnstap_;
  NotifyCounts notify_;  // under dnstap_mu_ too
};

}  // namespace sgdns::metrics
