// SPDX-License-Identifier: MIT
// Opening MaxMind DBs and decoding GeoIP2-schema data records into Location.
#include "mmdb_file.h"

#include <cerrno>
#include <cstring>
#include <utility>

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

class RecordReader {
 public:
  RecordReader(const MmdbFile& file, MMDB_entry_s entry) : file_(file), entry_(entry) {}

  /// The value at `path` (null-terminated); has_data is false when the record lacks it.
  MMDB_entry_data_s get(const char* const* path) {
    MMDB_entry_data_s data{};
    const int status = MMDB_aget_value(&entry_, &data, path);
    if (absent(status, data)) return MMDB_entry_data_s{};
    if (status != MMDB_SUCCESS) throw_mmdb_error(file_.path(), status);
    return data;
  }

  std::string string(const char* const* path) {
    const MMDB_entry_data_s data = get(path);
    if (!data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING) return {};
    return std::string(data.utf8_string, data.data_size);
  }

  bool number(const char* const* path, double& out) {
    const MMDB_entry_data_s data = get(path);
    if (!data.has_data) return false;
    if (data.type == MMDB_DATA_TYPE_DOUBLE) {
      out = data.double_value;
      return true;
    }
    if (data.type == MMDB_DATA_TYPE_FLOAT) {
      out = data.float_value;
      return true;
    }
    return false;
  }

  /// Unsigned integers of any width the writer chose, as long as the value fits 32 bits.
  std::uint32_t uint32(const char* const* path) {
    const MMDB_entry_data_s data = get(path);
    if (!data.has_data) return 0;
    switch (data.type) {
      case MMDB_DATA_TYPE_UINT16:
        return data.uint16;
      case MMDB_DATA_TYPE_UINT32:
        return data.uint32;
      case MMDB_DATA_TYPE_UINT64:
        return data.uint64 <= 0xffffffffu ? static_cast<std::uint32_t>(data.uint64) : 0;
      case MMDB_DATA_TYPE_INT32:
        return data.int32 >= 0 ? static_cast<std::uint32_t>(data.int32) : 0;
      default:
        return 0;
    }
  }

 private:
  const MmdbFile& file_;
  MMDB_entry_s entry_;
};

constexpr const char* kContinent[] = {"continent", "code", nullptr};
constexpr const char* kCountry[] = {"country", "iso_code", nullptr};
constexpr const char* kRegisteredCountry[] = {"registered_country", "iso_code", nullptr};
constexpr const char* kSubdivision[] = {"subdivisions", "0", "iso_code", nullptr};
constexpr const char* kCity[] = {"city", "names", "en", nullptr};
constexpr const char* kLatitude[] = {"location", "latitude", nullptr};
constexpr const char* kLongitude[] = {"location", "longitude", nullptr};
constexpr const char* kAsn[] = {"autonomous_system_number", nullptr};

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

Location decode_location(const MmdbFile& file, MMDB_entry_s entry) {
  RecordReader record(file, entry);
  Location location;
  location.continent = record.string(kContinent);
  location.country = record.string(kCountry);
  if (location.country.empty()) location.country = record.string(kRegisteredCountry);
  const std::string subdivision = record.string(kSubdivision);
  if (!location.country.empty() && !subdivision.empty()) {
    location.subdivision = location.country + "-" + subdivision;
  }
  location.city = record.string(kCity);
  double latitude = 0;
  double longitude = 0;
  if (record.number(kLatitude, latitude) && record.number(kLongitude, longitude)) {
    location.has_coordinates = true;
    location.latitude = latitude;
    location.longitude = longitude;
  }
  location.asn = record.uint32(kAsn);
  return location;
}

}  // namespace sgdns::geo::detail
