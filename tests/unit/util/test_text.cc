// SPDX-License-Identifier: MIT
// UTF-8 validation and log escaping (util/text.h).
#include <catch2/catch.hpp>

#include "sgdns/util/text.h"

using namespace sgdns;

TEST_CASE("valid_utf8 accepts RFC 3629 UTF-8 and refuses everything else", "[util]") {
  CHECK(text::valid_utf8(""));
  CHECK(text::valid_utf8("edge-eu/192.0.2.1"));
  CHECK(text::valid_utf8("Frankfurt \xc3\xa4 \xe2\x82\xac \xf0\x9f\x98\x80"));  // a, euro sign, emoji
  CHECK_FALSE(text::valid_utf8("\xff"));
  CHECK_FALSE(text::valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(text::valid_utf8("\xc0\xaf"));          // overlong "/"
  CHECK_FALSE(text::valid_utf8("\xe0\x80\xaf"));      // overlong "/"
  CHECK_FALSE(text::valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(text::valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(text::valid_utf8("\x80"));              // a lone continuation byte
  CHECK(text::valid_utf8(std::string_view("a\0b", 3)));
  CHECK_FALSE(text::printable_utf8(std::string_view("a\0b", 3)));
  CHECK_FALSE(text::printable_utf8("line\nbreak"));
  CHECK_FALSE(text::printable_utf8("\x7f"));
  CHECK(text::printable_utf8("maintenance \xe2\x82\xac"));
}

TEST_CASE("escape keeps one log line one line and shows every odd byte", "[util]") {
  CHECK(text::escape("maintenance") == "maintenance");
  CHECK(text::escape("a\nfake 2026-01-01T00:00:00Z info line") == "a\\nfake 2026-01-01T00:00:00Z info line");
  CHECK(text::escape("say \"hi\" \\ bye") == "say \\\"hi\\\" \\\\ bye");
  CHECK(text::escape("\xff\x01\x1b[31m") == "\\xff\\x01\\x1b[31m");
  CHECK(text::escape("\xc3\xa4") == "\xc3\xa4");
  CHECK(text::escape(std::string(600, 'x'), 512) == std::string(512, 'x') + "...");
}
