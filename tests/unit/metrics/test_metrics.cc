// SPDX-License-Identifier: MIT
// The exposition of the metrics the alert rules need (monitoring/prometheus/sgdns.rules.yml): fail-open
// answers by record, the configuration's digest, the last reload's outcome and the promised figures.
#include <catch2/catch.hpp>

#include "sgdns/metrics/metrics.h"

using namespace sgdns;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("fail-open answers are counted by record, every record listed from 0", "[metrics]") {
  metrics::Metrics m;
  m.set_names({"www.example.", "origin.example."}, {"eu"}, {"edge", "backup"});
  std::string before = m.scrape();
  CHECK(has_line(before, R"(sgdns_answers_failed_open_total{record="www.example."} 0)"));
  CHECK(has_line(before, R"(sgdns_answers_failed_open_total{record="origin.example."} 0)"));

  metrics::WorkerCounters& w = m.counters().add_worker();
  w.count_answer(1, 0, 0, true);
  w.count_answer(1, 0, 0, true);
  w.count_answer(0, 0, 1, false);
  std::string after = m.scrape();
  CHECK(has_line(after, R"(sgdns_answers_failed_open_total{record="origin.example."} 2)"));
  CHECK(has_line(after, R"(sgdns_answers_failed_open_total{record="www.example."} 0)"));
  CHECK(has_line(after, R"(sgdns_answers_by_record_total{record="origin.example."} 2)"));

  // A reload that reorders the records keeps each record's count under its own name.
  m.set_names({"origin.example.", "www.example."}, {"eu"}, {"edge", "backup"});
  w.count_answer(1, 0, 0, true);
  std::string reordered = m.scrape();
  CHECK(has_line(reordered, R"(sgdns_answers_failed_open_total{record="origin.example."} 2)"));
  CHECK(has_line(reordered, R"(sgdns_answers_failed_open_total{record="www.example."} 1)"));
}

TEST_CASE("the configuration's figures replace the previous ones as a whole", "[metrics]") {
  metrics::Metrics m;
  CHECK(has_line(m.scrape(), "sgdns_config_last_reload_successful 1"));
  m.set_config_figures("ab12", 30, {{"www.example.", 7.65}, {"origin.example.", 2.65}},
                       {{"edge/192.0.2.1", 1}}, {{"edge/192.0.2.1", 0.7}});
  std::string first = m.scrape();
  CHECK(has_line(first, R"(sgdns_config_info{sha256="ab12"} 1)"));
  CHECK(has_line(first, "sgdns_failover_budget_seconds 30"));
  CHECK(has_line(first, R"(sgdns_failover_worst_case_seconds{record="www.example."} 7.65)"));
  CHECK(has_line(first, R"(sgdns_probe_timeout_seconds{endpoint="edge/192.0.2.1"} 0.7)"));
  CHECK(has_line(first, R"(sgdns_probe_interval_seconds{endpoint="edge/192.0.2.1"} 1)"));

  m.set_config_figures("cd34", 20, {{"www.example.", 9}}, {}, {});
  std::string second = m.scrape();
  CHECK(has_line(second, R"(sgdns_config_info{sha256="cd34"} 1)"));
  CHECK(second.find(R"(sha256="ab12")") == std::string::npos);
  CHECK(has_line(second, "sgdns_failover_budget_seconds 20"));
  CHECK(has_line(second, R"(sgdns_failover_worst_case_seconds{record="www.example."} 9)"));
  CHECK(second.find("origin.example.") == std::string::npos);
  CHECK(second.find("edge/192.0.2.1") == std::string::npos);

  m.config_last_reload_successful.Set(0);
  CHECK(has_line(m.scrape(), "sgdns_config_last_reload_successful 0"));
}
