// SPDX-License-Identifier: MIT
// The rise/fall state machine, checked exhaustively against an independent look-back model.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sgdns/health/check.h"

using sgdns::health::Failure;
using sgdns::health::StateMachine;

namespace {

/// The model: after each result, the state flips when the run of results since the last flip that
/// disagree with the state (counted backwards from now) reaches the threshold for that state.
struct Model {
  bool up;
  int streak;    // trailing run of disagreeing results since the last flip
  bool flipped;  // whether the last result flipped the state
};

Model model(int fall, int rise, bool start_up, const std::vector<bool>& results) {
  bool up = start_up;
  std::size_t since_flip = 0;  // index of the first result after the last flip
  bool flipped = false;
  int run = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    run = 0;
    for (std::size_t j = i + 1; j-- > since_flip;) {
      if (results[j] == up) break;
      ++run;
    }
    flipped = run == (up ? fall : rise);
    if (flipped) {
      up = !up;
      since_flip = i + 1;
      run = 0;
    }
  }
  return {up, run, flipped};
}

std::string describe(int fall, int rise, bool start_up, const std::vector<bool>& seq) {
  std::string s = "fall=" + std::to_string(fall) + " rise=" + std::to_string(rise) +
                  (start_up ? " start=up" : " start=down") + " seq=";
  for (bool b : seq) s += b ? 'S' : 'F';
  return s;
}

}  // namespace

TEST_CASE("StateMachine matches the model for every sequence up to 9 results", "[health]") {
  for (int fall = 1; fall <= 3; ++fall) {
    for (int rise = 1; rise <= 3; ++rise) {
      for (bool start_up : {true, false}) {
        for (int len = 0; len <= 9; ++len) {
          for (unsigned bits = 0; bits < (1u << len); ++bits) {
            std::vector<bool> seq;
            StateMachine sm(fall, rise, start_up);
            bool last_flip = false;
            for (int i = 0; i < len; ++i) {
              seq.push_back((bits >> i) & 1u);
              bool was = sm.up();
              last_flip = sm.apply(seq.back());
              // apply() reports a change exactly when the state changed.
              if (last_flip != (was != sm.up())) FAIL(describe(fall, rise, start_up, seq));
            }
            Model m = model(fall, rise, start_up, seq);
            INFO(describe(fall, rise, start_up, seq));
            REQUIRE(sm.up() == m.up);
            REQUIRE(sm.streak() == m.streak);
            REQUIRE(sm.results_to_change() == (m.up ? fall : rise) - m.streak);
            if (len > 0) REQUIRE(last_flip == m.flipped);
          }
        }
      }
    }
  }
}

TEST_CASE("StateMachine: hand-written sequences", "[health]") {
  SECTION("fall 2 from up: one failure is noise, two are down") {
    StateMachine sm(2, 2, true);
    CHECK_FALSE(sm.apply(false));
    CHECK(sm.up());
    CHECK(sm.streak() == 1);
    CHECK(sm.results_to_change() == 1);
    CHECK_FALSE(sm.apply(true));  // agreement resets the streak
    CHECK(sm.streak() == 0);
    CHECK_FALSE(sm.apply(false));
    CHECK(sm.apply(false));
    CHECK_FALSE(sm.up());
    CHECK(sm.streak() == 0);
    CHECK(sm.results_to_change() == 2);
  }
  SECTION("rise 3 from down: an interrupted run starts over") {
    StateMachine sm(1, 3, false);
    CHECK_FALSE(sm.apply(true));
    CHECK_FALSE(sm.apply(true));
    CHECK_FALSE(sm.apply(false));
    CHECK(sm.streak() == 0);
    CHECK_FALSE(sm.apply(true));
    CHECK_FALSE(sm.apply(true));
    CHECK(sm.apply(true));
    CHECK(sm.up());
    CHECK(sm.apply(false));  // fall 1
    CHECK_FALSE(sm.up());
  }
  SECTION("fall and rise 1 flip on every disagreement") {
    StateMachine sm(1, 1, true);
    CHECK_FALSE(sm.apply(true));
    CHECK(sm.apply(false));
    CHECK_FALSE(sm.apply(false));
    CHECK(sm.apply(true));
  }
  SECTION("a threshold below 1 behaves as 1 instead of never changing") {
    StateMachine sm(0, 0, true);
    CHECK(sm.apply(false));
    CHECK(sm.apply(true));
  }
}

TEST_CASE("StateMachine::restore carries state and clamps the streak", "[health]") {
  StateMachine sm(3, 2, true);
  sm.restore(false, 1);
  CHECK_FALSE(sm.up());
  CHECK(sm.streak() == 1);
  CHECK(sm.apply(true));  // rise 2: one more success
  sm.restore(true, 7);    // more than fall allows: kept one short of a change
  CHECK(sm.streak() == 2);
  CHECK(sm.apply(false));
  sm.restore(true, -4);
  CHECK(sm.streak() == 0);
}

TEST_CASE("failure_name names every failure", "[health]") {
  CHECK(std::string(failure_name(Failure::None)) == "none");
  CHECK(std::string(failure_name(Failure::Refused)) == "refused");
  CHECK(std::string(failure_name(Failure::Timeout)) == "timeout");
  CHECK(std::string(failure_name(Failure::Status)) == "status");
  CHECK(std::string(failure_name(Failure::Body)) == "body");
  CHECK(std::string(failure_name(Failure::Tls)) == "tls");
  CHECK(std::string(failure_name(Failure::Other)) == "other");
}
