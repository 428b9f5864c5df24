// SPDX-License-Identifier: MIT
// Field names, key paths and the common layouts' candidate paths.
#include "sgdns/geo/fields.h"

#include <stdexcept>

namespace sgdns::geo {
namespace {

constexpr const char* kNames[kFieldCount] = {"continent", "country",   "subdivision",
                                             "latitude",  "longitude", "asn"};

}  // namespace

const char* field_name(Field field) noexcept {
  return kNames[static_cast<std::size_t>(field)];
}

std::optional<Field> field_by_name(std::string_view name) noexcept {
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    if (name == kNames[f]) return static_cast<Field>(f);
  }
  return std::nullopt;
}

KeyPath parse_key_path(std::string_view text) {
  if (text.empty()) throw std::invalid_argument("empty path");
  KeyPath path;
  for (std::size_t start = 0;;) {
    const std::size_t slash = text.find('/', start);
    const std::string_view step = text.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (step.empty()) throw std::invalid_argument("empty step in path \"" + std::string(text) + "\"");
    path.emplace_back(step);
    if (slash == std::string_view::npos) return path;
    start = slash + 1;
  }
}

std::string key_path_text(const KeyPath& path) {
  std::string text;
  for (const std::string& step : path) text += (text.empty() ? "" : "/") + step;
  return text;
}

// The order settles records that carry several: GeoIP2's nested keys first; registered_country only when
// the record has no country of its own (anycast and satellite networks); IPinfo Lite's *_code before its
// plain `country`, which there holds the country's name (values that are not two-letter codes are skipped).
const FieldPaths& common_layout_paths() {
  static const FieldPaths paths = [] {
    FieldPaths p;
    auto set = [&](Field field, std::initializer_list<const char*> texts) {
      for (const char* text : texts) p.paths[static_cast<std::size_t>(field)].push_back(parse_key_path(text));
    };
    set(Field::Continent, {"continent/code", "continent_code", "continent"});
    set(Field::Country, {"country/iso_code", "registered_country/iso_code", "country_code", "country"});
    set(Field::Subdivision, {"subdivisions/0/iso_code"});
    set(Field::Latitude, {"location/latitude", "latitude", "lat"});
    set(Field::Longitude, {"location/longitude", "longitude", "lng"});
    set(Field::Asn, {"autonomous_system_number", "asn"});
    return p;
  }();
  return paths;
}

}  // namespace sgdns::geo
