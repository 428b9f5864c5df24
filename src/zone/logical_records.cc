// SPDX-License-Identifier: MIT
// Splits master-file text into logical records (RFC 1035 section 5.1 lexical rules).
#include "logical_records.h"

#include <array>
#include <utility>

#include "sgdns/zone/error.h"

namespace sgdns::zone::detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

/// Characters that end an unquoted word, as a table: the word loop runs once per byte of a zone file.
constexpr auto kEndsWord = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {'\n', ' ', '\t', '\r', ';', '(', ')', '"'}) table[c] = true;
  return table;
}();

bool ends_word(char c) {
  return kEndsWord[static_cast<unsigned char>(c)];
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

LogicalRecordSplitter::LogicalRecordSplitter(std::string_view text, const std::string& file)
    : text_(text), file_(file) {}

std::optional<LogicalRecord> LogicalRecordSplitter::next() {
  while (!ready_ && pos_ < text_.size()) step();
  if (!ready_) {  // end of text
    if (depth_ > 0) {
      throw ZoneError(file_, current_.line, "'(' opened in the record starting here is never closed");
    }
    finish_record();
  }
  return std::exchange(ready_, std::nullopt);
}

void LogicalRecordSplitter::step() {
  const char c = text_[pos_];
  if (c == '\n') return newline();
  if (is_blank(c)) return skip_blank();
  if (c == ';') return skip_comment();
  if (c == '(') return open_paren();
  if (c == ')') return close_paren();
  if (c == '"') return read_quoted();
  read_word();
}

void LogicalRecordSplitter::newline() {
  ++pos_;
  ++line_;
  line_start_ = pos_;
  if (depth_ == 0) finish_record();
}

void LogicalRecordSplitter::skip_blank() {
  while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
}

void LogicalRecordSplitter::skip_comment() {
  while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
}

void LogicalRecordSplitter::open_paren() {
  // RFC 1035 does not nest parentheses; a second '(' is almost always a missing ')'.
  if (depth_ > 0) throw ZoneError(file_, line_, "nested '('");
  start_record_if_needed();
  ++depth_;
  ++pos_;
}

void LogicalRecordSplitter::close_paren() {
  if (depth_ == 0) throw ZoneError(file_, line_, "')' without a matching '('");
  --depth_;
  ++pos_;
}

void LogicalRecordSplitter::read_quoted() {
  start_record_if_needed();
  const int quote_line = line_;
  std::string token(1, '"');
  ++pos_;
  for (;;) {
    if (pos_ >= text_.size() || text_[pos_] == '\n') {
      throw ZoneError(file_, quote_line, "unterminated quoted string");
    }
    const char c = text_[pos_++];
    token += c;
    if (c == '"') break;
    if (c == '\\' && pos_ < text_.size() && text_[pos_] != '\n') token += text_[pos_++];
  }
  current_.tokens.push_back(std::move(token));
}

void LogicalRecordSplitter::read_word() {
  start_record_if_needed();
  // Find the end first and copy once: escapes stay in the token as written, so it is a plain substring.
  const std::size_t start = pos_;
  while (pos_ < text_.size() && !ends_word(text_[pos_])) {
    if (text_[pos_++] != '\\') continue;
    // An escaped newline would silently join two records; no master-file dialect means that.
    if (pos_ >= text_.size() || text_[pos_] == '\n') throw ZoneError(file_, line_, "'\\' at end of line");
    ++pos_;
  }
  current_.tokens.emplace_back(text_.substr(start, pos_ - start));
}

void LogicalRecordSplitter::start_record_if_needed() {
  if (record_started_) return;
  record_started_ = true;
  current_.tokens.reserve(8);  // owner, TTL, class, type and a few RDATA words: one allocation, not four
  current_.line = line_;
  current_.blank_owner = line_start_ < text_.size() && is_blank(text_[line_start_]);
}

void LogicalRecordSplitter::finish_record() {
  if (!current_.tokens.empty()) ready_ = std::move(current_);
  current_ = LogicalRecord{};
  record_started_ = false;
}

std::string unescape_token(const std::string& token) {
  std::string_view in(token);
  if (is_quoted(token)) in = in.substr(1, in.size() >= 2 ? in.size() - 2 : 0);
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\' || i + 1 >= in.size()) {
      out += in[i];
    } else if (i + 3 < in.size() && is_digit(in[i + 1]) && is_digit(in[i + 2]) && is_digit(in[i + 3])) {
      out += static_cast<char>((in[i + 1] - '0') * 100 + (in[i + 2] - '0') * 10 + (in[i + 3] - '0'));  // \DDD
      i += 3;
    } else {
      out += in[++i];
    }
  }
  return out;
}

}  // namespace sgdns::zone::detail
