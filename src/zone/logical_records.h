// SPDX-License-Identifier: MIT
// Splits master-file text into logical records: comments dropped, parentheses joined, quotes kept whole.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::zone::detail {

/// One record or directive as written, possibly spanning several physical lines.
struct LogicalRecord {
  int line = 0;                     // physical line where the record starts (1-based)
  bool blank_owner = false;         // the line starts with whitespace: same owner as the previous record
  std::vector<std::string> tokens;  // raw text; a quoted token keeps its quotes and escapes
};

/// Splits master-file text (named `file` in errors) into logical records, one at a time, so errors come
/// in file order.
class LogicalRecordSplitter {
 public:
  LogicalRecordSplitter(std::string_view text, const std::string& file);

  /// The next record, or nullopt at the end of the text. Throws ZoneError for an unterminated quoted
  /// string, a ')' without '(', a nested '(' or a '(' still open at the end of the text.
  [[nodiscard]] std::optional<LogicalRecord> next();

 private:
  void step();
  void newline();
  void skip_blank();
  void skip_comment();
  void open_paren();
  void close_paren();
  void read_quoted();
  void read_word();
  void start_record_if_needed();
  void finish_record();

  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;  // where the current physical line begins
  int line_ = 1;
  int depth_ = 0;  // open parentheses
  bool record_started_ = false;
  LogicalRecord current_;
  std::optional<LogicalRecord> ready_;  // a finished record not yet returned
};

/// True when the raw token was written in double quotes.
[[nodiscard]] inline bool is_quoted(const std::string& token) {
  return !token.empty() && token.front() == '"';
}

/// The token's characters with quotes removed and backslash escapes (\X and \DDD) resolved.
[[nodiscard]] std::string unescape_token(const std::string& token);

}  // namespace sgdns::zone::detail
