# SPDX-License-Identifier: MIT
# The MaxMind DB value types of every map key the test databases use, shared by make_fixtures.pl and
# make_layouts.pl (MaxMind::DB::Writer asks for each key's type).
package MmdbTypes;
use strict;
use warnings;

our %TYPES = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    asn                            => 'utf8_string',
    as_name                        => 'utf8_string',
    city                           => 'map',
    code                           => 'utf8_string',
    continent                      => 'map',
    country                        => 'map',
    country_code                   => 'utf8_string',
    country_name                   => 'utf8_string',
    continent_name                 => 'utf8_string',
    en                             => 'utf8_string',
    iso_code                       => 'utf8_string',
    latitude                       => 'double',
    location                       => 'map',
    longitude                      => 'double',
    names                          => 'map',
    registered_country             => 'map',
    subdivisions                   => [ 'array', 'map' ],
    geo                            => 'map',
    cc                             => 'utf8_string',
    region                         => 'utf8_string',
    pos                            => [ 'array', 'double' ],
    net                            => 'map',
    as                             => 'uint32',
);

1;
