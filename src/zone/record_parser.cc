// SPDX-License-Identifier: MIT
// Turns the tokens of one logical record into checked values and wire-form rdata, using ldns for RDATA.
#include "record_parser.h"

#include <cstdlib>

#include "logical_records.h"
#include "sgdns/dns/types.h"
#include "sgdns/zone/error.h"

namespace sgdns::zone::detail {
namespace {

using RrPtr = std::unique_ptr<ldns_rr, LdnsFree>;
using BufferPtr = std::unique_ptr<ldns_buffer, LdnsFree>;

constexpr std::size_t kMaxWireName = 255;
// ldns_rr_new_frm_str() copies the RDATA text into a buffer of this size and misbehaves beyond it.
constexpr std::size_t kMaxLdnsText = 65535;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool has_prefix_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (to_upper(text[i]) != prefix[i]) return false;
  }
  return true;
}

bool equals_ignoring_case(std::string_view text, std::string_view upper) {
  return text.size() == upper.size() && has_prefix_ignoring_case(text, upper);
}

/// The type mnemonics of nearly every record, looked up before ldns's walk over its whole table.
std::optional<std::uint16_t> common_type(std::string_view token) {
  namespace rrtype = dns::rrtype;
  static constexpr std::pair<std::string_view, std::uint16_t> kTypes[] = {
      {"A", rrtype::kA},     {"AAAA", rrtype::kAAAA}, {"CNAME", rrtype::kCNAME},
      {"NS", rrtype::kNS},   {"MX", rrtype::kMX},     {"TXT", rrtype::kTXT},
      {"PTR", rrtype::kPTR}, {"SOA", rrtype::kSOA},   {"SRV", rrtype::kSRV}};
  for (const auto& [name, code] : kTypes) {
    if (equals_ignoring_case(token, name)) return code;
  }
  return std::nullopt;
}

std::uint32_t unit_seconds(char unit) {
  switch (to_upper(unit)) {
    case 'S':
      return 1;
    case 'M':
      return 60;
    case 'H':
      return 3600;
    case 'D':
      return 86400;
    case 'W':
      return 604800;
    default:
      return 0;
  }
}

/// TYPEnnn and CLASSnnn (RFC 3597). ldns accepts trailing junk and numbers above 65535 here.
std::optional<std::uint16_t> parse_generic_number(std::string_view token, std::string_view prefix) {
  auto value = parse_decimal(token.substr(prefix.size()), 65535);
  if (!value || *value == 0) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

std::optional<std::uint16_t> parse_class(const std::string& token) {
  if (equals_ignoring_case(token, "IN")) return dns::rrclass::kIN;  // nearly every record: skip ldns
  if (has_prefix_ignoring_case(token, "CLASS")) return parse_generic_number(token, "CLASS");
  const int rclass = ldns_get_rr_class_by_name(token.c_str());
  if (rclass <= 0 || rclass > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(rclass);
}

std::optional<std::uint16_t> parse_type(const std::string& token) {
  if (const auto common = common_type(token)) return common;
  if (has_prefix_ignoring_case(token, "TYPE")) return parse_generic_number(token, "TYPE");
  const int type = ldns_get_rr_type_by_name(token.c_str());
  if (type <= 0 || type > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(type);
}

std::string type_name(std::uint16_t type) {
  char* text = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  std::string name = text ? text : "TYPE" + std::to_string(type);
  std::free(text);
  return name;
}

std::string join(const std::vector<std::string>& tokens, std::size_t begin = 0) {
  std::string text;
  for (std::size_t i = begin; i < tokens.size(); ++i) {
    if (i > begin) text += ' ';
    text += tokens[i];
  }
  return text;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char upper = to_upper(c);
  return upper >= 'A' && upper <= 'F' ? upper - 'A' + 10 : -1;
}

/// RFC 3597 section 5 generic RDATA, `\# <length> <hex>...`. ldns reads bad hex digits as garbage and,
/// for a known type, drops bytes beyond what the type uses, so the bytes are decoded and counted here.
std::vector<std::uint8_t> decode_generic_rdata(const std::vector<std::string>& tokens, std::size_t begin,
                                               const Where& where) {
  if (begin + 1 >= tokens.size()) where.fail("\\# must be followed by the RDATA length");
  const auto length = parse_decimal(tokens[begin + 1], 65535);
  if (!length) where.fail("bad RFC 3597 RDATA length \"" + tokens[begin + 1] + "\"");
  std::string hex;
  for (std::size_t i = begin + 2; i < tokens.size(); ++i) hex += tokens[i];
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) where.fail("bad hex digit in RFC 3597 RDATA \"" + hex + "\"");
    bytes.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  if (hex.size() % 2 != 0 || bytes.size() != *length) {
    where.fail("RFC 3597 RDATA length is " + tokens[begin + 1] + " but " + std::to_string(hex.size()) +
               " hex digits follow");
  }
  return bytes;
}

/// The RDATA text handed to ldns, adjusted where ldns 1.8.3 rejects valid presentation forms.
std::vector<std::string> rdata_tokens_for_ldns(const std::vector<std::string>& tokens,
                                               const RecordHead& head) {
  std::vector<std::string> rdata(tokens.begin() + static_cast<std::ptrdiff_t>(head.rdata_begin),
                                 tokens.end());
  // RFC 8659 lets the CAA value be unquoted; ldns only accepts it quoted. An unquoted token holds no bare
  // '"' (the splitter ends a word there), so wrapping it is safe.
  constexpr std::size_t kCaaValue = 2;
  if (head.type == dns::rrtype::kCAA && rdata.size() == kCaaValue + 1 && !is_quoted(rdata[kCaaValue])) {
    rdata[kCaaValue] = '"' + rdata[kCaaValue] + '"';
  }
  return rdata;
}

/// Fields ldns reads from exactly one token, so field i of the record came from RDATA token i.
bool is_single_token_field(ldns_rdf_type type) {
  switch (type) {
    case LDNS_RDF_TYPE_DNAME:
    case LDNS_RDF_TYPE_INT8:
    case LDNS_RDF_TYPE_INT16:
    case LDNS_RDF_TYPE_INT32:
    case LDNS_RDF_TYPE_A:
    case LDNS_RDF_TYPE_AAAA:
    case LDNS_RDF_TYPE_STR:
    case LDNS_RDF_TYPE_PERIOD:
    case LDNS_RDF_TYPE_TAG:
    case LDNS_RDF_TYPE_LONG_STR:
    case LDNS_RDF_TYPE_TYPE:
    case LDNS_RDF_TYPE_ALG:
    case LDNS_RDF_TYPE_TIME:
      return true;
    default:
      return false;
  }
}

bool fits_integer_field(ldns_rdf_type type, const std::string& token) {
  switch (type) {
    case LDNS_RDF_TYPE_INT8:
      return parse_decimal(token, 0xFF).has_value();
    case LDNS_RDF_TYPE_INT16:
      return parse_decimal(token, 0xFFFF).has_value();
    case LDNS_RDF_TYPE_INT32:
      return parse_decimal(token, 0xFFFFFFFF).has_value();
    case LDNS_RDF_TYPE_PERIOD:
      return parse_duration(token, 0xFFFFFFFF).has_value();
    default:
      return true;
  }
}

/// ldns wraps integers that do not fit their field (MX 65536 becomes 0, -1 becomes 65535).
void check_integer_fields(const ldns_rr* rr, const std::vector<std::string>& rdata, const Where& where) {
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr) && i < rdata.size(); ++i) {
    const ldns_rdf_type type = ldns_rdf_get_type(ldns_rr_rdf(rr, i));
    if (!is_single_token_field(type)) return;  // later fields no longer line up with tokens
    if (!fits_integer_field(type, rdata[i])) where.fail("number \"" + rdata[i] + "\" out of range");
  }
}

/// ldns appends the origin to relative names in RDATA without checking the 255-byte limit.
void check_rdata_names(const ldns_rr* rr, const Where& where) {
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    if (ldns_rdf_get_type(field) == LDNS_RDF_TYPE_DNAME && ldns_rdf_size(field) > kMaxWireName) {
      where.fail("name in RDATA is longer than 255 bytes");
    }
  }
}

RrPtr ldns_parse(const std::vector<std::string>& tokens, const RecordHead& head,
                 const std::vector<std::string>& rdata, const ldns_rdf* origin, const Where& where) {
  // The owner, TTL and class are already known; ldns only needs the type and the RDATA.
  const std::string text = ". 0 IN TYPE" + std::to_string(head.type) + " " + join(rdata);
  if (text.size() > kMaxLdnsText) where.fail("record text longer than 65535 characters");
  ldns_rr* raw = nullptr;
  const ldns_status status =
      ldns_rr_new_frm_str(&raw, text.c_str(), 0, const_cast<ldns_rdf*>(origin), nullptr);
  RrPtr rr(raw);
  if (status != LDNS_STATUS_OK) {
    where.fail("cannot parse record \"" + join(tokens) + "\": " + ldns_get_errorstr_by_id(status));
  }
  return rr;
}

std::vector<std::uint8_t> rdata_wire(const ldns_rr* rr, const Where& where) {
  BufferPtr buffer(ldns_buffer_new(256));
  if (!buffer || ldns_rr_rdata2buffer_wire(buffer.get(), rr) != LDNS_STATUS_OK) {
    where.fail("cannot encode RDATA");
  }
  const std::uint8_t* begin = ldns_buffer_begin(buffer.get());
  return {begin, begin + ldns_buffer_position(buffer.get())};
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > max) return std::nullopt;
  }
  return value;
}

void Where::fail(const std::string& message) const {
  throw ZoneError(file, line, message);
}

std::optional<std::uint32_t> parse_duration(std::string_view text, std::uint32_t max) {
  if (text.empty() || !is_digit(text.front())) return std::nullopt;
  std::uint64_t total = 0, number = 0;
  bool have_number = false;
  for (char c : text) {
    if (is_digit(c)) {
      number = number * 10 + static_cast<std::uint64_t>(c - '0');
      have_number = true;
    } else {
      const std::uint32_t unit = unit_seconds(c);
      if (unit == 0 || !have_number) return std::nullopt;
      total += number * unit;
      number = 0;
      have_number = false;
    }
    if (number > max || total > max) return std::nullopt;
  }
  total += number;  // a trailing bare number counts seconds ("1h30" is 3630)
  if (total > max) return std::nullopt;
  return static_cast<std::uint32_t>(total);
}

std::uint32_t parse_ttl(const std::string& token, const Where& where) {
  const auto ttl = parse_duration(token, kMaxTtl);
  if (!ttl) where.fail("bad TTL \"" + token + "\" (want seconds or units like 1h30m, at most 2147483647)");
  return *ttl;
}

RdfPtr resolve_name(const std::string& token, const ldns_rdf* origin, const Where& where) {
  if (token == "@") return RdfPtr(ldns_rdf_clone(origin));
  if (is_quoted(token)) where.fail("a name cannot be quoted: " + token);
  ldns_rdf* raw = nullptr;
  const ldns_status status = ldns_str2rdf_dname(&raw, token.c_str());
  RdfPtr name(raw);
  if (status != LDNS_STATUS_OK) {
    where.fail("bad name \"" + token + "\": " + ldns_get_errorstr_by_id(status));
  }
  if (!ldns_dname_str_absolute(token.c_str()) && ldns_dname_cat(name.get(), origin) != LDNS_STATUS_OK) {
    where.fail("cannot append the origin to \"" + token + "\"");
  }
  if (ldns_rdf_size(name.get()) > kMaxWireName) {
    where.fail("name \"" + token + "\" is longer than 255 bytes with the origin appended");
  }
  return name;
}

RecordHead parse_record_head(const std::vector<std::string>& tokens, std::size_t begin, const Where& where) {
  RecordHead head;
  bool have_class = false;
  std::size_t i = begin;
  for (; i < tokens.size(); ++i) {
    if (!head.ttl && is_digit(tokens[i].front())) {
      head.ttl = parse_ttl(tokens[i], where);
    } else if (const auto rclass = have_class ? std::nullopt : parse_class(tokens[i])) {
      if (*rclass != dns::rrclass::kIN) where.fail("class " + tokens[i] + " not supported (only IN)");
      have_class = true;
    } else {
      break;
    }
  }
  if (i >= tokens.size()) where.fail("record has no type: \"" + join(tokens) + "\"");
  const auto type = parse_type(tokens[i]);
  if (!type) where.fail("unknown type \"" + tokens[i] + "\"");
  if (dns::is_meta_qtype(*type)) where.fail("type " + tokens[i] + " cannot appear in a zone");
  head.type = *type;
  head.rdata_begin = i + 1;
  return head;
}

std::vector<std::uint8_t> parse_rdata(const std::vector<std::string>& tokens, const RecordHead& head,
                                      const ldns_rdf* origin, const Where& where) {
  const std::vector<std::string> rdata = rdata_tokens_for_ldns(tokens, head);
  const bool generic = !rdata.empty() && rdata.front() == "\\#";
  const std::vector<std::uint8_t> generic_bytes =
      generic ? decode_generic_rdata(tokens, head.rdata_begin, where) : std::vector<std::uint8_t>{};
  const RrPtr rr = ldns_parse(tokens, head, rdata, origin, where);
  check_rdata_names(rr.get(), where);
  if (!generic) check_integer_fields(rr.get(), rdata, where);
  std::vector<std::uint8_t> wire = rdata_wire(rr.get(), where);
  if (generic && wire != generic_bytes) {
    where.fail("RFC 3597 RDATA \"" + join(tokens, head.rdata_begin) + "\" is not valid " +
               type_name(head.type) + " RDATA");
  }
  return wire;
}

}  // namespace sgdns::zone::detail
