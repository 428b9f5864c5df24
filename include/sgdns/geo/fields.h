// SPDX-License-Identifier: MIT
// Which keys of a MaxMind DB data record hold the continent, country, subdivision, coordinates and ASN:
// configured per database ("fields") or, without that, the candidates of every common layout.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sgdns::geo {

enum class Field : std::uint8_t { Continent, Country, Subdivision, Latitude, Longitude, Asn };
inline constexpr std::size_t kFieldCount = 6;

/// "continent", "country", "subdivision", "latitude", "longitude", "asn": the keys of `fields`.
[[nodiscard]] const char* field_name(Field field) noexcept;
[[nodiscard]] std::optional<Field> field_by_name(std::string_view name) noexcept;

/// A path into a data record: map keys and array indices, e.g. {"subdivisions", "0", "iso_code"}.
using KeyPath = std::vector<std::string>;

/// "subdivisions/0/iso_code" -> {"subdivisions", "0", "iso_code"}; throws std::invalid_argument for an
/// empty path or an empty step ("a//b", "/a").
[[nodiscard]] KeyPath parse_key_path(std::string_view text);
[[nodiscard]] std::string key_path_text(const KeyPath& path);

/// Per field, the paths tried in order on each record; the first that holds a usable value wins.
struct FieldPaths {
  std::array<std::vector<KeyPath>, kFieldCount> paths;
  [[nodiscard]] const std::vector<KeyPath>& of(Field field) const noexcept {
    return paths[static_cast<std::size_t>(field)];
  }
};

/// The candidates read when no `fields` are configured: MaxMind GeoIP2/GeoLite2 (continent/code,
/// country/iso_code, registered_country/iso_code, subdivisions/0/iso_code, location/latitude|longitude,
/// autonomous_system_number), DB-IP lite (the same), IPinfo (top-level continent, country, asn; the
/// newer continent_code and country_code first) and country- or ASN-only files (country_code, asn).
[[nodiscard]] const FieldPaths& common_layout_paths();

/// One entry of geoip.databases: a file and, optionally, the paths to read instead of the common ones.
struct DatabaseSpec {
  std::string path;
  std::optional<FieldPaths> fields;  // set: only these paths are read, each field it names once
};

}  // namespace sgdns::geo
