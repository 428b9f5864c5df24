#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes the sgdns demo MaxMind DBs (a GeoIP2-City and a GeoLite2-ASN lookalike over documentation ranges).
#
# Usage: perl geoip/make_demo_mmdb.pl CITY.mmdb ASN.mmdb   (needs libmaxmind-db-writer-perl)
# The layout is GeoIP2-City's, so real GeoIP2 readers (mmdblookup, gdnsd, PowerDNS, libraries) accept it.
# build_epoch is pinned (SOURCE_DATE_EPOCH, else a constant) so re-running gives identical bytes.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($city_out, $asn_out) = @ARGV;
die "usage: $0 CITY.mmdb ASN.mmdb\n" unless defined $asn_out;

# 2024-01-01T00:00:00Z unless the caller pins another epoch for reproducible builds.
my $epoch = $ENV{SOURCE_DATE_EPOCH} // 1704067200;

my %types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    city                           => 'map',
    code                           => 'utf8_string',
    continent                      => 'map',
    country                        => 'map',
    en                             => 'utf8_string',
    iso_code                       => 'utf8_string',
    latitude                       => 'double',
    location                       => 'map',
    longitude                      => 'double',
    names                          => 'map',
    registered_country             => 'map',
    subdivisions                   => [ 'array', 'map' ],
);

# Identical options for both files: IPv6 tree with IPv4 at ::/96, aliased from ::ffff:0:0/96, 2001::/32
# and 2002::/16 as in MaxMind's own databases.
sub new_tree {
    my ($type, $description) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 28,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $description },
        alias_ipv6_to_ipv4       => 1,
        remove_reserved_networks => 0,    # else 127.0.0.0/8 and the documentation ranges are dropped
        map_key_type_callback    => sub { $types{ $_[0] } },
    );
    $tree->_set_build_epoch($epoch);      # the module's own hook for byte-identical output
    return $tree;
}

sub write_tree {
    my ($tree, $out) = @_;
    open my $fh, '>:raw', $out or die "$out: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$out: $!\n";
}

my %continent_name = (
    AF => 'Africa', AS => 'Asia', EU => 'Europe', NA => 'North America', OC => 'Oceania',
    SA => 'South America',
);
my %country_name = (
    AU => 'Australia', BR => 'Brazil', CA => 'Canada', DE => 'Germany', GB => 'United Kingdom',
    JP => 'Japan', SG => 'Singapore', US => 'United States', ZA => 'South Africa',
);

# city => [continent, country, subdivision iso_code, subdivision name, latitude, longitude]
my %cities = (
    'Frankfurt'    => [ 'EU', 'DE', 'HE',  'Hesse',             50.11,    8.68 ],
    'London'       => [ 'EU', 'GB', 'ENG', 'England',           51.51,   -0.13 ],
    'Ashburn'      => [ 'NA', 'US', 'VA',  'Virginia',          39.04,  -77.49 ],
    'San Jose'     => [ 'NA', 'US', 'CA',  'California',        37.34, -121.89 ],
    'Singapore'    => [ 'AS', 'SG', '01',  'Central Singapore',  1.35,  103.82 ],
    'Sydney'       => [ 'OC', 'AU', 'NSW', 'New South Wales',  -33.87,  151.21 ],
    'Tokyo'        => [ 'AS', 'JP', '13',  'Tokyo',             35.68,  139.69 ],
    'Sao Paulo'    => [ 'SA', 'BR', 'SP',  'Sao Paulo',        -23.55,  -46.63 ],
    'Johannesburg' => [ 'AF', 'ZA', 'GP',  'Gauteng',          -26.20,   28.05 ],
    'Toronto'      => [ 'NA', 'CA', 'ON',  'Ontario',           43.65,  -79.38 ],
);

# Insert order is irrelevant (no network overlaps another); kept in table order for readability.
my @city_networks = (
    [ '192.0.2.0/25',      'Frankfurt' ],
    [ '192.0.2.128/25',    'London' ],
    [ '198.51.100.0/25',   'Ashburn' ],
    [ '198.51.100.128/25', 'San Jose' ],
    [ '203.0.113.0/25',    'Singapore' ],
    [ '203.0.113.128/26',  'Sydney' ],
    [ '203.0.113.192/26',  'Tokyo' ],
    [ '100.64.0.0/16',     'Sao Paulo' ],
    [ '100.65.0.0/16',     'Johannesburg' ],
    [ '100.66.0.0/16',     'Toronto' ],
    # Loopback clients bound to 127.0.N.x stand in for users in each region in the integration tests;
    # 127.0.0.0/24 stays unmapped so 127.0.0.1 has no location.
    [ '127.0.1.0/24',      'Frankfurt' ],
    [ '127.0.2.0/24',      'Ashburn' ],
    [ '127.0.3.0/24',      'Singapore' ],
    [ '127.0.4.0/24',      'Sydney' ],
    [ '127.0.5.0/24',      'Sao Paulo' ],
    # 2001:db8:ff::/48 stays unmapped.
    [ '2001:db8:1::/48',   'Frankfurt' ],
    [ '2001:db8:2::/48',   'Ashburn' ],
    [ '2001:db8:3::/48',   'Singapore' ],
    [ '2001:db8:4::/48',   'Sydney' ],
);

sub city_record {
    my ($city) = @_;
    my ($continent, $country, $subdivision, $subdivision_name, $lat, $lon) = @{ $cities{$city} };
    my %country = (iso_code => $country, names => { en => $country_name{$country} });
    return {
        continent          => { code => $continent, names => { en => $continent_name{$continent} } },
        country            => {%country},
        registered_country => {%country},
        subdivisions       => [ { iso_code => $subdivision, names => { en => $subdivision_name } } ],
        city               => { names => { en => $city } },
        location           => { latitude => $lat, longitude => $lon },
    };
}

my @asn_networks = (
    [ '192.0.2.0/24',    64500, 'Example Transit EU' ],
    [ '198.51.100.0/24', 64501, 'Example Cable US' ],
    [ '203.0.113.0/24',  64502, 'Example Mobile AP' ],
    [ '127.0.6.0/24',    64510, 'Example Loopback ISP' ],
);

my $city_tree = new_tree('GeoIP2-City', 'sgdns demo database');
$city_tree->insert_network($_->[0], city_record($_->[1])) for @city_networks;
write_tree($city_tree, $city_out);

my $asn_tree = new_tree('GeoLite2-ASN', 'sgdns demo database (ASN)');
for my $n (@asn_networks) {
    my ($net, $asn, $org) = @$n;
    $asn_tree->insert_network($net,
        { autonomous_system_number => $asn, autonomous_system_organization => $org });
}
write_tree($asn_tree, $asn_out);

printf STDERR "wrote %s (%d networks, %d nodes) and %s (%d networks, %d nodes)\n",
    $city_out, scalar(@city_networks), $city_tree->node_count(),
    $asn_out, scalar(@asn_networks), $asn_tree->node_count();
