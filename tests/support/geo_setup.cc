// SPDX-License-Identifier: MIT
// Geo test beds: configuration, zone, server and EDNS Client Subnet helpers (geo_setup.h).
#include "geo_setup.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sgdns::test {

std::string geo_config(const GeoSetup& s) {
  using json = nlohmann::ordered_json;
  auto members = [](const std::vector<std::string>& addresses) {
    json out = json::array();
    for (const auto& a : addresses) out.push_back(a);
    return out;
  };
  json www_pools = json::array();
  for (const auto& p : s.www_pools) www_pools.push_back(p);
  json config = {
      {"identity", {{"nsid", "geo-test"}}},
      {"zones", json::array({{{"origin", kGeoZone}, {"file", "geo.test.zone"}}})},
      {"geoip", {{"databases", json::array({s.city_db, s.asn_db})}}},
      {"ecs", {{"trust", json::parse(s.ecs_trust)}}},
      {"default_region", "us-east"},
      {"regions",
       {{"eu-west", {{"location", {50.11, 8.68}}, {"continents", {"EU", "AF"}}, {"asns", {64510}}}},
        {"us-east", {{"location", {39.04, -77.49}}, {"continents", {"NA", "SA"}}}},
        {"us-west",
         {{"location", {37.34, -121.89}}, {"subdivisions", {"US-CA"}}, {"cidrs", {"127.0.7.0/24"}}}},
        {"ap-south", {{"location", {1.35, 103.82}}, {"continents", {"AS", "OC"}}}}}},
      {"pools",
       {{"edge-eu", {{"region", "eu-west"}, {"members", members(s.edge_eu)}}},
        {"edge-eu4", {{"region", "eu-west"}, {"members", {"192.0.2.231"}}}},
        {"edge-us",
         {{"region", "us-east"}, {"members", {"198.51.100.201", "198.51.100.202", "2001:db8:5347:2::201"}}}},
        {"edge-usw", {{"region", "us-west"}, {"members", {"198.51.100.211", "2001:db8:5347:2::211"}}}},
        {"edge-ap",
         {{"region", "ap-south"},
          {"members",
           json::array(
               {{{"address", "203.0.113.201"}, {"weight", 2}}, "203.0.113.202", "2001:db8:5347:3::201"})}}},
        {"cdn", {{"cname", s.cdn_target}}}}},
      {"records",
       {{"www.geo.test.",
         {{"types", {"A", "AAAA"}},
          {"ttl", 20},
          {"policy", "geo"},
          {"pools", www_pools},
          {"max_answers", 2}}},
        {"ingest.geo.test.",
         {{"types", {"A", "AAAA"}},
          {"ttl", 20},
          {"policy", "nearest"},
          {"pools", {"edge-eu", "edge-us", "edge-usw", "edge-ap"}}}},
        {"media.geo.test.",
         {{"types", {"A", "AAAA"}},
          {"ttl", 20},
          {"policy", "weighted"},
          {"pools", json::array({{{"pool", "edge-us"}, {"weight", s.media_us_weight}},
                                 {{"pool", "cdn"}, {"weight", s.media_cdn_weight}}})}}},
        {"video.geo.test.",
         {{"types", {"A", "AAAA"}}, {"ttl", 20}, {"policy", "geo"}, {"pools", {"edge-eu4", "cdn"}}}}}}};
  if (!s.zone_dnssec_json.empty()) config["zones"][0]["dnssec"] = json::parse(s.zone_dnssec_json);
  if (!s.zone_extra_json.empty()) config["zones"][0].update(json::parse(s.zone_extra_json));
  if (!s.extra_json.empty()) config.update(json::parse(s.extra_json));
  return config.dump(2) + "\n";
}

std::string geo_zone(uint32_t serial, const std::string& extra_records) {
  return "$ORIGIN geo.test.\n"
         "$TTL 3600\n"
         "@        IN SOA  ns1 hostmaster " +
         std::to_string(serial) +
         " 7200 3600 1209600 300\n"
         "         IN NS   ns1\n"
         "ns1      IN A    192.0.2.53\n"
         "www   60 IN A    192.0.2.80\n"
         "www   60 IN AAAA 2001:db8:5347:1::80\n"
         "static   IN A    192.0.2.90\n" +
         extra_records;
}

EdnsOption ecs_option(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("not ADDRESS/LENGTH: " + cidr);
  std::string address = cidr.substr(0, slash);
  unsigned length = static_cast<unsigned>(std::stoul(cidr.substr(slash + 1)));
  uint8_t bytes[16] = {};
  uint16_t family = 0;
  size_t size = 0;
  if (::inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    family = 1;
    size = 4;
  } else if (::inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    family = 2;
    size = 16;
  } else {
    throw std::invalid_argument("not an address: " + cidr);
  }
  if (length > size * 8) throw std::invalid_argument("prefix too long: " + cidr);
  EdnsOption option;
  option.code = kOptionEcs;
  option.data = {static_cast<uint8_t>(family >> 8), static_cast<uint8_t>(family & 0xff),
                 static_cast<uint8_t>(length), 0};
  for (size_t i = 0; i < (length + 7) / 8; ++i) {
    unsigned keep = length - i * 8 >= 8 ? 8 : length - i * 8;
    option.data.push_back(static_cast<uint8_t>(bytes[i] & (0xff00u >> keep)));
  }
  return option;
}

std::optional<EcsEcho> ecs_echo(const Reply& reply) {
  for (const auto& o : reply.options) {
    if (o.code != kOptionEcs || o.data.size() < 4) continue;
    EcsEcho e;
    e.family = static_cast<uint16_t>(o.data[0] << 8 | o.data[1]);
    e.source = o.data[2];
    e.scope = o.data[3];
    e.address.assign(o.data.begin() + 4, o.data.end());
    return e;
  }
  return std::nullopt;
}

GeoServer::GeoServer(const GeoSetup& setup) {
  dir_.write("geo.test.zone", geo_zone(1, setup.extra_zone_records));
  config_path_ = dir_.file("sgdns.json");
  write_config(setup);
  start();
}

void GeoServer::start() {
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_path_});
}

void GeoServer::write_config(const GeoSetup& setup) const {
  write_file(config_path_, geo_config(setup));
}

std::set<std::string> answer_rdata(const Reply& reply, uint16_t type) {
  std::set<std::string> out;
  for (const auto& set : reply.answers_of(type)) out.insert(set.rdata.begin(), set.rdata.end());
  return out;
}

}  // namespace sgdns::test
