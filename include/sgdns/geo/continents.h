// SPDX-License-Identifier: MIT
// ISO 3166-1 alpha-2 country -> continent code, as MaxMind's GeoIP2 databases assign them, so that
// `continents` rules work with data that only carries countries.
#pragma once
#include <string_view>

namespace sgdns::geo {

/// "AF", "AN", "AS", "EU", "NA", "OC" or "SA" for an assigned ISO 3166-1 code (upper case) and for XK
/// (Kosovo, which GeoIP2 uses); an empty view for anything else.
[[nodiscard]] std::string_view continent_of_country(std::string_view country) noexcept;

/// Every country the table knows, for tests and reports.
[[nodiscard]] std::size_t continent_table_size() noexcept;

}  // namespace sgdns::geo
