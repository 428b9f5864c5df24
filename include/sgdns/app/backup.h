// SPDX-License-Identifier: MIT
// `sgdns backup`: everything a server needs to answer exactly as it does now, copied into one folder
// that runs as it is: the configuration (its paths rewritten to point inside the folder), every zone file
// and $INCLUDE, the GeoIP databases, the overrides state file and the admin and cookie secrets, with a
// SHA256SUMS file that `sha256sum -c` verifies. sgdns keeps no journals (no IXFR, no dynamic updates): the
// zone files are the whole zone state.
#pragma once

namespace sgdns::app {

/// The text of `sgdns backup --help`.
[[nodiscard]] const char* backup_usage();

/// argv[0] is "backup"; then --config FILE and the target folder (which must not exist, or be empty).
/// Refuses (exit 2, reasons on stderr) a configuration that does not load: a backup that cannot be
/// restored is worse than none. Returns 0 after printing what it wrote.
[[nodiscard]] int run_backup(int argc, const char* const* argv);

}  // namespace sgdns::app
