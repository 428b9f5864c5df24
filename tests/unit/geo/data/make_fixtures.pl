#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Writes the MaxMind DB fixtures of the geo unit tests (cases the demo databases do not cover).
#
# Usage: perl make_fixtures.pl   (in this directory; needs libmaxmind-db-writer-perl)
#   ipv4-only.mmdb     ip_version 4 (32-bit tree), record size 24, registered_country fallback, a network
#                      with half its coordinates, a combined City+ASN record.
#   v6-unaliased.mmdb  ip_version 6 without aliasing: real data stored under ::ffff:0:0/96 and 2002::/16,
#                      which the walk must still skip as IPv4 space.
# build_epoch is pinned so re-running gives identical bytes.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

use lib '.';
use MmdbTypes;

my %types = %MmdbTypes::TYPES;

sub new_tree {
    my (%options) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        languages                => ['en'],
        description              => { en => 'sgdns unit test fixture' },
        remove_reserved_networks => 0,
        map_key_type_callback    => sub { $types{ $_[0] } },
        %options,
    );
    $tree->_set_build_epoch(1704067200);
    return $tree;
}

sub write_tree {
    my ($tree, $out) = @_;
    open my $fh, '>:raw', $out or die "$out: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$out: $!\n";
}

# The /16 inside the /8 splits the /8 into 8 networks sharing one data record: 10 networks in all.
my $v4 = new_tree(ip_version => 4, record_size => 24, database_type => 'sgdns-test-ipv4');
$v4->insert_network('10.0.0.0/8',
    { continent => { code => 'EU' }, country => { iso_code => 'DE' }, location => { latitude => 50.0 } });
$v4->insert_network('10.1.0.0/16', { continent => { code => 'AS' }, registered_country => { iso_code => 'JP' } });
$v4->insert_network('172.16.0.0/12', {
    continent                => { code => 'NA' },
    country                  => { iso_code => 'US' },
    subdivisions             => [ { iso_code => 'CA' } ],
    city                     => { names => { en => 'San Jose' } },
    location                 => { latitude => 37.34, longitude => -121.89 },
    autonomous_system_number => 64496,
});
write_tree($v4, 'ipv4-only.mmdb');

my $v6 = new_tree(ip_version => 6, record_size => 28, database_type => 'sgdns-test-v6-unaliased',
                  alias_ipv6_to_ipv4 => 0);
$v6->insert_network('10.0.0.0/8',          { country => { iso_code => 'DE' } });
$v6->insert_network('2001:db8::/32',       { country => { iso_code => 'NL' } });
$v6->insert_network('::ffff:10.0.0.0/104', { country => { iso_code => 'FR' } });
$v6->insert_network('2002::/16',           { country => { iso_code => 'IT' } });
write_tree($v6, 'v6-unaliased.mmdb');
