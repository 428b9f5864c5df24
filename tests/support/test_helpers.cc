// SPDX-License-Identifier: MIT
// Catch2-aware shortcuts shared by the integration and differential tests.
#include "test_helpers.h"

#include <ldns/ldns.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace sgdns::test {
namespace {

std::string owned(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

}  // namespace

QueryOptions make_query(const std::string& name, uint16_t type, bool edns) {
  QueryOptions q;
  q.name = name;
  q.type = type;
  q.edns = edns;
  return q;
}

Reply ask(const Endpoint& to, const QueryOptions& q, Transport transport, Millis timeout) {
  INFO("query " << q.name << " " << type_name(q.type) << " over "
                << (transport == Transport::Udp ? "UDP" : "TCP") << " to " << to.host << "#" << to.port);
  auto wire = exchange(to, build_query(q), transport, timeout);
  REQUIRE(wire.has_value());
  auto reply = decode(*wire);
  INFO("reply bytes: " << packet_text(*wire));
  REQUIRE(reply.has_value());
  return *reply;
}

std::string normalize_record_text(const std::string& text) {
  std::string out = text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> zone_file_records(const std::string& path, const std::string& origin) {
  std::vector<std::string> records;
  FILE* fp = std::fopen(path.c_str(), "r");
  REQUIRE(fp != nullptr);
  ldns_rdf* origin_rdf = ldns_dname_new_frm_str(origin.c_str());
  ldns_zone* zone = nullptr;
  int line = 0;
  ldns_status status = ldns_zone_new_frm_fp_l(&zone, fp, origin_rdf, 3600, LDNS_RR_CLASS_IN, &line);
  std::fclose(fp);
  ldns_rdf_deep_free(origin_rdf);
  INFO("ldns cannot parse " << path << " at line " << line << ": " << ldns_get_errorstr_by_id(status));
  REQUIRE(status == LDNS_STATUS_OK);
  if (ldns_zone_soa(zone)) records.push_back(normalize_record_text(owned(ldns_rr2str(ldns_zone_soa(zone)))));
  const ldns_rr_list* rrs = ldns_zone_rrs(zone);
  for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i)
    records.push_back(normalize_record_text(owned(ldns_rr2str(ldns_rr_list_rr(rrs, i)))));
  ldns_zone_deep_free(zone);
  return records;
}

std::string integration_zone(uint32_t serial, const std::string& www_address) {
  std::string text =
      "$ORIGIN it.test.\n"
      "$TTL 3600\n"
      "@        IN SOA  ns1 hostmaster " +
      std::to_string(serial) +
      " 7200 3600 1209600 600\n"
      "         IN NS   ns1\n"
      "         IN MX   10 mail\n"
      "ns1      IN A    192.0.2.53\n"
      "mail     IN A    192.0.2.25\n"
      "www      IN A    " +
      www_address +
      "\n"
      "www      IN AAAA 2001:db8::80\n"
      "alias    IN CNAME www\n"
      "*.wild   IN A    192.0.2.200\n"
      "deleg    IN NS   ns1.deleg\n"
      "ns1.deleg IN A   192.0.2.240\n";
  // Filler text sized so RRsets cross the 512 and 1232 byte limits.
  std::string filler(90, 'x');
  for (int i = 0; i < 30; ++i) text += "big      IN TXT \"" + std::to_string(100 + i) + filler + "\"\n";
  for (int i = 0; i < 8; ++i) text += "medium   IN TXT \"" + std::to_string(100 + i) + filler + "\"\n";
  return text;
}

std::vector<std::string> nonempty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

long soa_serial_at(uint16_t port, const std::string& zone) {
  CommandResult r = run_command(
      "kdig @127.0.0.1 -p " + std::to_string(port) + " " + zone + " SOA +short +timeout=1 +retry=0",
      Millis(3000));
  std::istringstream in(r.output);
  std::string mname, rname;
  long serial = -1;
  if (r.exit_code != 0 || !(in >> mname >> rname >> serial)) return -1;
  return serial;
}

ServedZone::ServedZone(const std::string& zone_origin, const std::string& zone_text,
                       const std::vector<std::string>& extra_args)
    : origin(zone_origin) {
  zone_path = dir.write(origin + "zone", zone_text);
  std::vector<std::string> args{"--zone", origin + "=" + zone_path};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  server = std::make_unique<ServerProcess>(args);
  bool ready = server->wait_ready(origin);
  INFO("sgdns stderr:\n" << server->stderr_text());
  REQUIRE(ready);
}

}  // namespace sgdns::test
