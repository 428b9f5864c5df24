#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes one small MaxMind DB per layout sgdns recognises, for the layout, coverage, ECS-scope and
# integration tests (tests/unit/geo/test_layouts.cc, tests/integration/test_geo_layouts.cc).
#
# Usage: perl make_layouts.pl   (in this directory; needs libmaxmind-db-writer-perl)
# Every file is an IPv6 tree with IPv4 at ::/96 (as vendors ship them) over documentation and
# shared-address ranges, so the numbers in the tests can be worked out by hand:
#   192.0.2.0/25 DE, 192.0.2.128/25 FR, 198.51.100.0/24 US, 203.0.113.0/24 JP, 100.64.0.0/16 BR,
#   2001:db8:1::/48 DE, and (where the layout has ASNs) AS64500..AS64504 on the same networks.
# build_epoch is pinned so re-running gives identical bytes.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

use lib '.';
use MmdbTypes;

my %types = %MmdbTypes::TYPES;

# Where a layout stores a string that another stores as a map or a number, the callback asks per file.
sub new_tree {
    my ($type, %override) = @_;
    my %t = (%types, %override);
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 28,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => "sgdns layout fixture $type" },
        alias_ipv6_to_ipv4       => 1,
        remove_reserved_networks => 0,
        map_key_type_callback    => sub { $t{ $_[0] } },
    );
    $tree->_set_build_epoch(1704067200);
    return $tree;
}

sub write_tree {
    my ($tree, $out) = @_;
    open my $fh, '>:raw', "layouts/$out" or die "$out: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$out: $!\n";
}

# network, continent, country, subdivision, latitude, longitude, asn
my @places = (
    [ '192.0.2.0/25',    'EU', 'DE', 'HE',  50.11, 8.68,    64500 ],
    [ '192.0.2.128/25',  'EU', 'FR', 'IDF', 48.85, 2.35,    64500 ],
    [ '198.51.100.0/24', 'NA', 'US', 'VA',  39.04, -77.49,  64501 ],
    [ '203.0.113.0/24',  'AS', 'JP', '13',  35.68, 139.69,  64502 ],
    [ '100.64.0.0/16',   'SA', 'BR', 'SP',  -23.55, -46.63, 64503 ],
    [ '2001:db8:1::/48', 'EU', 'DE', 'HE',  50.11, 8.68,    64504 ],
);

sub fill {
    my ($tree, $record) = @_;
    $tree->insert_network($_->[0], $record->(@$_)) for @places;
}

my $city = new_tree('GeoLite2-City');
fill($city, sub {
    my ($net, $cont, $cc, $sub, $lat, $lon) = @_;
    { continent => { code => $cont }, country => { iso_code => $cc }, registered_country => { iso_code => $cc },
      subdivisions => [ { iso_code => $sub } ], city => { names => { en => "City of $cc" } },
      location => { latitude => $lat, longitude => $lon } };
});
write_tree($city, 'maxmind-city.mmdb');

my $country = new_tree('GeoLite2-Country');
fill($country, sub {
    my ($net, $cont, $cc) = @_;
    { continent => { code => $cont }, country => { iso_code => $cc } };
});
write_tree($country, 'maxmind-country.mmdb');

my $asn = new_tree('GeoLite2-ASN');
fill($asn, sub {
    my ($net, $cont, $cc, $sub, $lat, $lon, $as) = @_;
    { autonomous_system_number => $as, autonomous_system_organization => "Example AS$as" };
});
write_tree($asn, 'maxmind-asn.mmdb');

# DB-IP's lite City file: GeoIP2's keys, but subdivisions carry names only (no iso_code).
my $dbip = new_tree('DBIP-City-Lite');
fill($dbip, sub {
    my ($net, $cont, $cc, $sub, $lat, $lon) = @_;
    { continent => { code => $cont }, country => { iso_code => $cc }, subdivisions => [ { names => { en => "Region $sub" } } ],
      city => { names => { en => "City of $cc" } }, location => { latitude => $lat, longitude => $lon } };
});
write_tree($dbip, 'dbip-city-lite.mmdb');

# IPinfo's free country_asn layout: top-level strings, the ASN as "AS64500". Unknown database_type, so
# sgdns has to recognise it by content.
my $ipinfo = new_tree('sgdns-test-top-level-strings', country => 'utf8_string', continent => 'utf8_string');
fill($ipinfo, sub {
    my ($net, $cont, $cc, $sub, $lat, $lon, $as) = @_;
    { country => $cc, country_name => "Country $cc", continent => $cont, continent_name => "Continent $cont",
      asn => "AS$as", as_name => "Example AS$as" };
});
write_tree($ipinfo, 'ipinfo-like.mmdb');

# Nothing but a top-level country code: the layout of the issue's report (and of many RIR-derived files).
my $cc_only = new_tree('sgdns-test-country-code');
fill($cc_only, sub { my ($net, $cont, $cc) = @_; { country_code => $cc } });
write_tree($cc_only, 'country-code-only.mmdb');

# The same networks with other countries: what a weekly update that moved them looks like.
my $cc_moved = new_tree('sgdns-test-country-code');
my %moved = (DE => 'US', FR => 'US', US => 'DE', JP => 'BR', BR => 'JP');
fill($cc_moved, sub { my ($net, $cont, $cc) = @_; { country_code => $moved{$cc} } });
write_tree($cc_moved, 'country-code-moved.mmdb');

# ASN only, as an integer under `asn`.
my $asn_only = new_tree('sgdns-test-asn', asn => 'uint32');
fill($asn_only, sub { my ($net, $cont, $cc, $sub, $lat, $lon, $as) = @_; { asn => $as } });
write_tree($asn_only, 'asn-only.mmdb');

# A layout of its own, read only through `fields`.
my $custom = new_tree('sgdns-test-custom');
fill($custom, sub {
    my ($net, $cont, $cc, $sub, $lat, $lon, $as) = @_;
    { geo => { cc => $cc, region => "$cc-$sub", pos => [ $lat, $lon ] }, net => { as => $as } };
});
write_tree($custom, 'custom.mmdb');
