// SPDX-License-Identifier: MIT
// Prometheus exposition: control-side metrics from prometheus-cpp, worker counters summed per scrape.
#include "sgdns/metrics/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>

#include "sgdns/policy/rule.h"
#include "sgdns/rrl/limiter.h"

namespace sgdns::metrics {

/// Turns the workers' plain counters into metric families at scrape time.
class Metrics::QueryCollectable : public prometheus::Collectable {
 public:
  explicit QueryCollectable(CounterSet& counters) : counters_(counters) {}

  void set_names(std::vector<std::string> records, std::vector<std::string> regions,
                 std::vector<std::string> pools) {
    std::lock_guard lock(mu_);
    fold(counters_.drain_answers());
    names_[0] = std::move(records);
    names_[1] = std::move(regions);
    names_[2] = std::move(pools);
    // A record that has never failed open is listed at 0, so increase() sees its first fail-open answer.
    for (const std::string& record : names_[0]) totals_[kFailedOpen].try_emplace(record, 0);
  }

  /// The per-name totals of one kind (0 records, 1 regions, 2 pools), as /metrics would serve them now.
  std::map<std::string, std::uint64_t> totals(int kind) {
    std::lock_guard lock(mu_);
    fold(counters_.drain_answers());
    return totals_[kind];
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    out.push_back(query_family());
    prometheus::MetricFamily ecs{"sgdns_ecs_queries_total",
                                 "Queries that carried EDNS Client Subnet",
                                 prometheus::MetricType::Counter,
                                 {}};
    prometheus::ClientMetric m;
    m.counter.value = static_cast<double>(counters_.ecs());
    ecs.metric.push_back(m);
    out.push_back(ecs);
    out.push_back(located_family());
    add_protection_families(out);
    std::lock_guard lock(mu_);
    auto live = const_cast<CounterSet&>(counters_).drain_answers();
    const_cast<QueryCollectable*>(this)->fold(live);
    static constexpr const char* kNames[kKinds] = {
        "sgdns_answers_by_record_total", "sgdns_answers_by_region_total", "sgdns_answers_by_pool_total",
        "sgdns_answers_failed_open_total"};
    static constexpr const char* kHelp[kKinds] = {
        "Dynamic answers by record", "Dynamic answers by region", "Dynamic answers by pool",
        "Dynamic answers that failed open (every pool the record could use was down), by record"};
    static constexpr const char* kLabels[kKinds] = {"record", "region", "pool", "record"};
    for (int k = 0; k < kKinds; ++k) {
      prometheus::MetricFamily f{kNames[k], kHelp[k], prometheus::MetricType::Counter, {}};
      for (const auto& [name, value] : totals_[k]) {
        prometheus::ClientMetric c;
        c.label.push_back({kLabels[k], name});
        c.counter.value = static_cast<double>(value);
        f.metric.push_back(c);
      }
      out.push_back(f);
    }
    return out;
  }

 private:
  /// Labels from policy::rule_name, which this array's order follows (counters.h).
  prometheus::MetricFamily located_family() const {
    static_assert(kLocateRules == policy::kLocateRules);
    prometheus::MetricFamily f{"sgdns_located_total",
                               "Geo and nearest answers by the rule that placed the client: cidr, asn, "
                               "subdivision, country, continent, nearest or default (no data, or no match)",
                               prometheus::MetricType::Counter,
                               {}};
    const auto sums = counters_.sum(&WorkerCounters::located);
    for (std::size_t r = 0; r < kLocateRules; ++r) {
      prometheus::ClientMetric c;
      c.label.push_back({"rule", policy::rule_name(static_cast<policy::LocateRule>(r))});
      c.counter.value = static_cast<double>(sums[r]);
      f.metric.push_back(c);
    }
    return f;
  }

  prometheus::MetricFamily query_family() const {
    prometheus::MetricFamily f{"sgdns_queries_total",
                               "DNS queries by transport, query type and response code",
                               prometheus::MetricType::Counter,
                               {}};
    auto sums = counters_.queries();
    static constexpr const char* kTransport[kTransports] = {"udp", "tcp"};
    for (std::size_t t = 0; t < kTransports; ++t) {
      for (std::size_t q = 0; q < kQtypes; ++q) {
        for (std::size_t r = 0; r < kRcodes; ++r) {
          std::uint64_t v = sums[(t * kQtypes + q) * kRcodes + r];
          if (v == 0) continue;
          prometheus::ClientMetric c;
          c.label = {{"transport", kTransport[t]}, {"qtype", qtype_label(q)}, {"rcode", rcode_label(r)}};
          c.counter.value = static_cast<double>(v);
          f.metric.push_back(c);
        }
      }
    }
    return f;
  }

  /// Rate limiting, cookies and TCP connections. Every label value is present from the start (at 0), so
  /// rate() and increase() see the first event.
  void add_protection_families(std::vector<prometheus::MetricFamily>& out) const {
    auto family = [](const char* name, const char* help, prometheus::MetricType type) {
      return prometheus::MetricFamily{name, help, type, {}};
    };
    auto add = [](prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
                  std::uint64_t value) {
      prometheus::ClientMetric c;
      c.label = std::move(labels);
      if (f.type == prometheus::MetricType::Gauge)
        c.gauge.value = static_cast<double>(value);
      else
        c.counter.value = static_cast<double>(value);
      f.metric.push_back(c);
    };
    const auto slipped = counters_.sum(&WorkerCounters::rrl_slipped);
    const auto dropped = counters_.sum(&WorkerCounters::rrl_dropped);
    auto limited = family("sgdns_rrl_limited_total", "UDP responses over the rate limit, by kind",
                          prometheus::MetricType::Counter);
    auto slips = family("sgdns_rrl_slipped_total",
                        "Limited responses sent truncated (or BADCOOKIE to a cookie client), by kind",
                        prometheus::MetricType::Counter);
    auto drops = family("sgdns_rrl_dropped_total", "Limited responses not sent, by kind",
                        prometheus::MetricType::Counter);
    for (std::size_t k = 0; k < kRrlKinds; ++k) {
      const char* kind = rrl::kind_label(static_cast<rrl::Kind>(k));
      add(limited, {{"kind", kind}}, slipped[k] + dropped[k]);
      add(slips, {{"kind", kind}}, slipped[k]);
      add(drops, {{"kind", kind}}, dropped[k]);
    }
    static constexpr const char* kCookieLabels[kCookieChecks] = {"none", "new", "bad", "valid"};
    const auto cookies = counters_.sum(&WorkerCounters::cookies);
    auto cookie =
        family("sgdns_cookies_total",
               "Queries with a DNS Cookie by what it proved: new (client cookie only), bad (a server "
               "cookie not ours or expired), valid",
               prometheus::MetricType::Counter);
    for (std::size_t i = 1; i < kCookieChecks; ++i) add(cookie, {{"result", kCookieLabels[i]}}, cookies[i]);
    const auto closed = counters_.sum(&WorkerCounters::tcp_closed);
    const std::uint64_t accepted = counters_.tcp_accepted();
    auto closes = family("sgdns_tcp_connections_closed_total", "TCP connections closed, by cause",
                         prometheus::MetricType::Counter);
    std::uint64_t closed_total = 0;
    for (std::size_t c = 0; c < kTcpCloseCauses; ++c) {
      add(closes, {{"cause", tcp_close_label(c)}}, closed[c]);
      closed_total += closed[c];
    }
    auto accepts = family("sgdns_tcp_connections_accepted_total", "TCP connections accepted",
                          prometheus::MetricType::Counter);
    add(accepts, {}, accepted);
    auto open = family("sgdns_tcp_connections", "TCP connections open", prometheus::MetricType::Gauge);
    add(open, {}, accepted >= closed_total ? accepted - closed_total : 0);
    const auto socket_errors = counters_.sum(&WorkerCounters::socket_errors);
    auto errors = family("sgdns_socket_errors_total",
                         "Socket errors survived: UDP receives retried, UDP replies and TCP accepts lost",
                         prometheus::MetricType::Counter);
    for (std::size_t op = 0; op < kSocketErrors; ++op)
      add(errors, {{"op", socket_error_label(op)}}, socket_errors[op]);
    for (auto* f : {&limited, &slips, &drops, &cookie, &closes, &accepts, &open, &errors})
      out.push_back(std::move(*f));
  }

  /// Adds drained per-index counts to the per-name totals (index kMaxIndexed is "other").
  void fold(const CounterSet::Drained& d) {
    const std::vector<std::uint64_t>* parts[kKinds] = {&d.records, &d.regions, &d.pools, &d.failed_open};
    for (int k = 0; k < kKinds; ++k) {
      const std::vector<std::string>& names = names_[k == kFailedOpen ? 0 : k];  // failed open: by record
      for (std::size_t i = 0; i < parts[k]->size(); ++i) {
        std::uint64_t v = (*parts[k])[i];
        if (v == 0) continue;
        const std::string& name = i < names.size() ? names[i] : kOther;
        totals_[k][name] += v;
      }
    }
  }

  inline static const std::string kOther = "other";
  /// Per-index families: answers by record, region and pool, and fail-open answers by record.
  static constexpr int kKinds = 4;
  static constexpr int kFailedOpen = 3;
  CounterSet& counters_;
  mutable std::mutex mu_;
  std::vector<std::string> names_[3];
  std::map<std::string, std::uint64_t> totals_[kKinds];
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      endpoint_up(prometheus::BuildGauge()
                      .Name("sgdns_endpoint_up")
                      .Help("1 when a probed endpoint is up")
                      .Register(*registry_)),
      health_flips(prometheus::BuildCounter()
                       .Name("sgdns_health_flips_total")
                       .Help("Endpoint state changes")
                       .Register(*registry_)),
      probe_failures(prometheus::BuildCounter()
                         .Name("sgdns_probe_failures_total")
                         .Help("Failed probes by reason")
                         .Register(*registry_)),
      probe_duration(prometheus::BuildHistogram()
                         .Name("sgdns_probe_duration_seconds")
                         .Help("Probe latency")
                         .Register(*registry_)),
      reloads(prometheus::BuildCounter()
                  .Name("sgdns_reloads_total")
                  .Help("Reloads by outcome")
                  .Register(*registry_)),
      zone_serial(prometheus::BuildGauge()
                      .Name("sgdns_zone_serial")
                      .Help("SOA serial of each served zone")
                      .Register(*registry_)),
      dnssec_static_rrsets(prometheus::BuildGauge()
                               .Name("sgdns_dnssec_static_rrsets")
                               .Help("Static RRsets of each signed zone by whether the last load signed "
                                     "them or kept the signatures of the version before")
                               .Register(*registry_)),
      config_generation(prometheus::BuildGauge()
                            .Name("sgdns_config_generation")
                            .Help("Generation of the served configuration and zones")
                            .Register(*registry_)
                            .Add({})),
      config_last_reload_successful(
          prometheus::BuildGauge()
              .Name("sgdns_config_last_reload_successful")
              .Help("1 when the last reload was installed (or none was tried), 0 after a refused one")
              .Register(*registry_)
              .Add({})),
      override_changes(prometheus::BuildCounter()
                           .Name("sgdns_override_changes_total")
                           .Help("Operator overrides set or cleared")
                           .Register(*registry_)),
      zone_transfers_in(prometheus::BuildCounter()
                            .Name("sgdns_zone_transfers_in_total")
                            .Help("Secondary zones' refreshes from their primary: ok (a new version served), "
                                  "current (the primary has no newer one), failed (no transfer), rejected "
                                  "(transferred but failed the zone checks: the old version is kept)")
                            .Register(*registry_)),
      zone_expire_timestamp(
          prometheus::BuildGauge()
              .Name("sgdns_zone_expire_timestamp_seconds")
              .Help("Secondary zones: Unix time at which the copy expires (SOA expire after the last contact "
                    "with the primary) and is answered SERVFAIL; 0 while there is no copy")
              .Register(*registry_)),
      zone_signed_serial_since(
          prometheus::BuildGauge()
              .Name("sgdns_zone_signed_serial_timestamp_seconds")
              .Help(
                  "Signed zones with secondaries (transfer rules or notify targets): Unix time at which the "
                  "serial served now was first served (at start: the zone file's modification time); "
                  "secondaries' copies of it carry signatures valid at least 7 days past it")
              .Register(*registry_)),
      state_file_quarantined(
          prometheus::BuildCounter()
              .Name("sgdns_state_file_quarantined_total")
              .Help("Overrides state files moved aside at start because they could not be loaded")
              .Register(*registry_)
              .Add({})),
      fleet_connected(prometheus::BuildGauge()
                          .Name("sgdns_fleet_connected")
                          .Help("1 while the fleet's etcd watch is open (0 without a fleet or cut off)")
                          .Register(*registry_)
                          .Add({})),
      fleet_revision(prometheus::BuildGauge()
                         .Name("sgdns_fleet_revision")
                         .Help("The last etcd revision of the fleet's prefix this instance applied")
                         .Register(*registry_)
                         .Add({})),
      fleet_apply_lag(
          prometheus::BuildGauge()
              .Name("sgdns_fleet_apply_lag_seconds")
              .Help("From the newest applied override's write (any instance) to its application here")
              .Register(*registry_)
              .Add({})),
      build_info(prometheus::BuildGauge()
                     .Name("sgdns_build_info")
                     .Help("Always 1: the running binary's version, commit and build type as labels")
                     .Register(*registry_)),
      queries_(std::make_shared<QueryCollectable>(counters_)),
      config_info_(prometheus::BuildGauge()
                       .Name("sgdns_config_info")
                       .Help("Always 1: the SHA-256 of the configuration file served, as a label")
                       .Register(*registry_),
                   "sha256"),
      failover_worst_case_(
          prometheus::BuildGauge()
              .Name("sgdns_failover_worst_case_seconds")
              .Help("Worst case from a member dying to the last cache dropping it, by record")
              .Register(*registry_),
          "record"),
      probe_interval_(prometheus::BuildGauge()
                          .Name("sgdns_probe_interval_seconds")
                          .Help("The interval of each probed endpoint's check (jitter not included)")
                          .Register(*registry_),
                      "endpoint"),
      probe_timeout_(prometheus::BuildGauge()
                         .Name("sgdns_probe_timeout_seconds")
                         .Help("The timeout of each probed endpoint's check")
                         .Register(*registry_),
                     "endpoint"),
      failover_budget_(prometheus::BuildGauge()
                           .Name("sgdns_failover_budget_seconds")
                           .Help("The configured failover_budget every record's worst case must fit")
                           .Register(*registry_)
                           .Add({})) {
  config_last_reload_successful.Set(1);
}

Metrics::~Metrics() = default;

void Metrics::GaugeSet::replace(const Figures& figures) {
  std::map<std::string, prometheus::Gauge*> next;
  for (const auto& [name, value] : figures) {
    auto it = gauges_.find(name);
    prometheus::Gauge* g = it != gauges_.end() ? it->second : &family_.Add({{label_, name}});
    g->Set(value);
    next[name] = g;
  }
  for (const auto& [name, gauge] : gauges_) {
    if (!next.count(name)) family_.Remove(gauge);
  }
  gauges_ = std::move(next);
}

void Metrics::set_config_figures(const std::string& sha256, double budget_seconds,
                                 const Figures& record_worst_case, const Figures& endpoint_intervals,
                                 const Figures& endpoint_timeouts) {
  std::lock_guard lock(figures_mu_);
  config_info_.replace(sha256.empty() ? Figures{} : Figures{{sha256, 1}});
  failover_budget_.Set(budget_seconds);
  failover_worst_case_.replace(record_worst_case);
  probe_interval_.replace(endpoint_intervals);
  probe_timeout_.replace(endpoint_timeouts);
}

void Metrics::set_names(std::vector<std::string> records, std::vector<std::string> regions,
                        std::vector<std::string> pools) {
  queries_->set_names(std::move(records), std::move(regions), std::move(pools));
}

std::map<std::string, std::uint64_t> Metrics::answers_by_region() {
  return queries_->totals(1);
}

void Metrics::set_dnstap_source(DnstapCounts source) {
  std::lock_guard lock(dnstap_mu_);
  dnstap_ = std::move(source);
}

void Metrics::set_notify_source(NotifyCounts source) {
  std::lock_guard lock(dnstap_mu_);
  notify_ = std::move(source);
}

std::string Metrics::scrape() {
  auto families = registry_->Collect();
  auto more = queries_->Collect();
  families.insert(families.end(), more.begin(), more.end());
  std::lock_guard lock(dnstap_mu_);
  if (dnstap_) {
    const auto [sent, dropped] = dnstap_();
    prometheus::MetricFamily f{"sgdns_dnstap_frames_total",
                               "dnstap frames handed to the writer thread (sent) or dropped: no free buffer, "
                               "queue full (a slow collector) or too large",
                               prometheus::MetricType::Counter,
                               {}};
    for (const auto& [result, n] : {std::pair{"sent", sent}, std::pair{"dropped", dropped}}) {
      prometheus::ClientMetric m;
      m.label = {{"result", result}};
      m.counter.value = static_cast<double>(n);
      f.metric.push_back(m);
    }
    families.push_back(std::move(f));
  }
  if (notify_) {
    const NotifyTotals t = notify_();
    prometheus::MetricFamily f{
        "sgdns_notifies_total",
        "NOTIFY messages: sent (datagrams, retries included), acknowledged and failed "
        "(targets answered NOERROR, or an error or nothing after every retry), received "
        "(accepted from a secondary zone's primary)",
        prometheus::MetricType::Counter,
        {}};
    for (const auto& [result, n] : {std::pair{"sent", t.sent}, std::pair{"acknowledged", t.acknowledged},
                                    std::pair{"failed", t.failed}, std::pair{"received", t.received}}) {
      prometheus::ClientMetric m;
      m.label = {{"result", result}};
      m.counter.value = static_cast<double>(n);
      f.metric.push_back(m);
    }
    families.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace sgdns::metrics
