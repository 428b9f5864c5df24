// SPDX-License-Identifier: MIT
// Opening MaxMind DBs and decoding data records into Location by configured or common field paths.
#include "mmdb_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "sgdns/geo/continents.h"

namespace sgdns::geo::detail {
namespace {

/// Why a path does not resolve matters: absent or of another shape is "no such field" (databases differ
/// in what they carry), anything else means the data section is broken.
bool absent(int status, const MMDB_entry_data_s& data) {
  if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || status == MMDB_INVALID_LOOKUP_PATH_ERROR) {
    return true;
  }
  return status == MMDB_SUCCESS && !data.has_data;
}

std::optional<std::string_view> as_string(const MMDB_entry_data_s& data) {
  if (data.type != MMDB_DATA_TYPE_UTF8_STRING) return std::nullopt;
  return std::string_view(data.utf8_string, data.data_size);
}

bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/// A two-letter code in upper case; anything else (a country's name, "", "ZZZ") is not one.
std::optional<std::string> two_letter_code(const MMDB_entry_data_s& data) {
  const auto text = as_string(data);
  if (!text || text->size() != 2 || !is_letter((*text)[0]) || !is_letter((*text)[1])) return std::nullopt;
  std::string code(*text);
  for (char& c : code) c = static_cast<char>(c & ~0x20);
  return code;
}

std::optional<std::string> continent_code(const MMDB_entry_data_s& data) {
  auto code = two_letter_code(data);
  static constexpr std::string_view kContinents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
  for (std::string_view known : kContinents) {
    if (code && *code == known) return code;
  }
  return std::nullopt;
}

std::optional<std::string> any_string(const MMDB_entry_data_s& data) {
  const auto text = as_string(data);
  if (!text || text->empty()) return std::nullopt;
  return std::string(*text);
}

/// Doubles and floats, and numeric strings (IPinfo's location files store "lat": "52.52").
std::optional<double> coordinate(const MMDB_entry_data_s& data, double limit) {
  double value = 0;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) {
    value = data.double_value;
  } else if (data.type == MMDB_DATA_TYPE_FLOAT) {
    value = data.float_value;
  } else if (const auto text = as_string(data)) {
    const std::string copy(*text);
    char* end = nullptr;
    value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!(value >= -limit && value <= limit)) return std::nullopt;  // also rejects NaN
  return value;
}

/// Unsigned integers of any width the writer chose, and strings "AS13335" or "13335" (IPinfo).
std::optional<std::uint32_t> asn_number(const MMDB_entry_data_s& data) {
  std::uint64_t value = 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      value = data.uint16;
      break;
    case MMDB_DATA_TYPE_UINT32:
      value = data.uint32;
      break;
    case MMDB_DATA_TYPE_UINT64:
      value = data.uint64;
      break;
    case MMDB_DATA_TYPE_INT32:
      if (data.int32 < 0) return std::nullopt;
      value = static_cast<std::uint64_t>(data.int32);
      break;
    case MMDB_DATA_TYPE_UTF8_STRING: {
      std::string_view text(data.utf8_string, data.data_size);
      if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') && (text[1] == 'S' || text[1] == 's'))
        text.remove_prefix(2);
      if (text.empty() || text.size() > 10) return std::nullopt;
      for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
      }
      break;
    }
    default:
      return std::nullopt;
  }
  if (value == 0 || value > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

}  // namespace

void throw_mmdb_error(const std::string& path, int status) {
  std::string message = path + ": " + MMDB_strerror(status);
  // libmaxminddb's IO and open errors do not say why; errno still does.
  if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && errno != 0) {
    message += std::string(" (") + std::strerror(errno) + ")";
  }
  throw GeoError(message);
}

MmdbFile::MmdbFile(std::string path) : path_(std::move(path)) {
  errno = 0;
  const int status = MMDB_open(path_.c_str(), MMDB_MODE_MMAP, &db_);
  // A failed MMDB_open has already released what it allocated, so there is nothing to close.
  if (status != MMDB_SUCCESS) throw_mmdb_error(path_, status);
}

MmdbFile::~MmdbFile() {
  MMDB_close(&db_);
}

FieldReader::FieldReader(const FieldPaths& paths) {
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    fields_[f].reserve(paths.paths[f].size());
    for (const KeyPath& keys : paths.paths[f]) fields_[f].push_back(Path{key_path_text(keys), keys, {}, 0});
    // Pointers into the strings only once nothing moves them any more.
    for (Path& path : fields_[f]) {
      for (const std::string& key : path.keys) path.c_path.push_back(key.c_str());
      path.c_path.push_back(nullptr);
    }
  }
}

Location FieldReader::decode(const MmdbFile& file, MMDB_entry_s entry) {
  // The first path of `field` whose value `convert` accepts; counted as a hit for the report.
  auto first = [&](Field field, auto convert) -> decltype(convert(MMDB_entry_data_s{})) {
    for (Path& path : fields_[static_cast<std::size_t>(field)]) {
      MMDB_entry_data_s data{};
      const int status = MMDB_aget_value(&entry, &data, path.c_path.data());
      if (absent(status, data)) continue;
      if (status != MMDB_SUCCESS) throw_mmdb_error(file.path(), status);
      if (auto value = convert(data)) {
        ++path.hits;
        return value;
      }
    }
    return std::nullopt;
  };
  Location location;
  if (auto country = first(Field::Country, two_letter_code)) location.country = std::move(*country);
  if (auto continent = first(Field::Continent, continent_code)) {
    location.continent = std::move(*continent);
  } else if (!location.country.empty()) {
    location.continent = std::string(continent_of_country(location.country));
    location.continent_from_country = !location.continent.empty();
    if (location.continent_from_country) ++continents_from_countries_;
  }
  if (auto subdivision = first(Field::Subdivision, any_string)) {
    // GeoIP2 stores "CA" under the country; a configured path may already hold "US-CA".
    if (subdivision->find('-') != std::string::npos) {
      location.subdivision = std::move(*subdivision);
    } else if (!location.country.empty()) {
      location.subdivision = location.country + "-" + *subdivision;
    }
  }
  const auto latitude = first(Field::Latitude, [](const MMDB_entry_data_s& d) { return coordinate(d, 90); });
  const auto longitude =
      first(Field::Longitude, [](const MMDB_entry_data_s& d) { return coordinate(d, 180); });
  if (latitude && longitude) {
    location.has_coordinates = true;
    location.latitude = *latitude;
    location.longitude = *longitude;
  }
  if (auto asn = first(Field::Asn, asn_number)) location.asn = *asn;
  // The city's name is for explain only, whatever the layout; absent in most files.
  static constexpr const char* kCity[] = {"city", "names", "en", nullptr};
  MMDB_entry_data_s city{};
  if (MMDB_aget_value(&entry, &city, kCity) == MMDB_SUCCESS && city.has_data) {
    if (auto name = any_string(city)) location.city = std::move(*name);
  }
  return location;
}

void FieldReader::report(DatabaseInfo& info) const {
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    info.found[f].clear();
    for (const Path& path : fields_[f]) {
      if (path.hits > 0) info.found[f].push_back(FieldUse{path.text, path.hits});
    }
  }
  info.continents_from_countries = continents_from_countries_;
}

}  // namespace sgdns::geo::detail
