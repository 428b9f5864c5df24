#!/usr/bin/perl
# make_ecs_queries.pl — dnsperf -B query file: one dynamic name asked with ECS from many client networks.
#
# Usage: perl lib/make_ecs_queries.pl [N] > geo-ecs-multi.bin      (default N = 7000; deterministic)
# dnsperf -E sends one fixed ECS option per run; with -B (RFC 1035 4.2.2 TCP-stream framing: 2-byte
# length, then the message; dnsperf overwrites only the ID) every query carries its own. Each message is
# what `dnsperf -E 8:...` sends (RD set, EDNS0 OPT with payload 4096) for "www.geo.example.test A",
# with ECS family 1 / source /24 / scope 0 for a random /24 inside one of 1/8 .. 7/8 (round robin:
# NA-US, EU-DE, EU-GB, AS-SG, OC-AU, SA-BR, AF-ZA in data/test.mmdb), ~25 % of names in random case.
use strict;
use warnings;

my $n = shift // 7000;
srand(42);
binmode STDOUT;
for my $i (0 .. $n - 1) {
    my $name = 'www.geo.example.test';
    if (rand() < 0.25) { $name = join '', map { rand() < 0.5 ? uc : lc } split //, $name; }
    my $qname = join('', map { chr(length $_) . $_ } split /\./, $name) . "\0";
    my @addr = (1 + $i % 7, int(rand(256)), int(rand(256)));
    my $ecs = pack('nCC', 1, 24, 0) . pack('C3', @addr);
    my $opt = "\0" . pack('nnNn', 41, 4096, 0, 4 + length $ecs) . pack('nn', 8, length $ecs) . $ecs;
    my $msg = pack('nnnnnn', 0, 0x0100, 1, 0, 0, 1) . $qname . pack('nn', 1, 1) . $opt;
    print pack('n', length $msg), $msg;
}
