#!/usr/bin/perl
# lib/report.pl — the Markdown report of one bench/run results dir (what bench/run prints and appends to
# bench/RESULTS.md).
#
# Usage: perl lib/report.pl RESULTS_DIR
# Reads runs.csv (one line per dnsperf run), load.csv (1M-zone load/reload), env.txt, checks.txt,
# skipped.txt. Every figure is a median over the rounds (min..max of qps beside it). Ratios are
# "sgdns / peer" on the same query set in the same mode: above 1.00 sgdns answers more queries per
# second (for load time and memory, below 1.00 sgdns is faster / smaller). The targets are judged on
# mode cap when it was run, else on the first mode.
use strict;
use warnings;

my $dir = shift or die "usage: $0 RESULTS_DIR\n";

sub median {
    my @a = sort { $a <=> $b } grep { defined && $_ ne '' } @_;
    return undef unless @a;
    return @a % 2 ? $a[$#a / 2] : ($a[@a / 2 - 1] + $a[@a / 2]) / 2;
}
sub minmax { my @a = sort { $a <=> $b } grep { defined && $_ ne '' } @_; return @a ? ($a[0], $a[-1]) : (undef, undef); }
sub fmt { my ($f, $v) = @_; return defined $v ? sprintf($f, $v) : '-'; }
sub ratio { my ($a, $b) = @_; return (defined $a && defined $b && $b > 0) ? $a / $b : undef; }
sub read_csv {
    my ($file) = @_;
    open my $fh, '<', $file or return ();
    my $h = <$fh>; return () unless $h;
    chomp $h; my @cols = split /,/, $h;
    my @rows;
    while (my $l = <$fh>) {
        chomp $l; next unless length $l;
        my @v = split /,/, $l, -1; my %r; @r{@cols} = @v; push @rows, \%r;
    }
    return @rows;
}
sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; my $s = <$fh>; return $s // ''; }

my %env;
my @phase_load;   # in the order the phases ran
for (split /\n/, slurp("$dir/env.txt")) {
    next unless /^([^:]+): (.*)$/;
    my ($k, $v) = ($1, $2);
    $env{$k} = $v;
    push @phase_load, "$1 $v" if $k =~ /^loadavg at phase (\S+)$/;
}

# ---- dnsperf runs ------------------------------------------------------------------------------------
my @runs = read_csv("$dir/runs.csv");
my (%g, @order, %modes_seen, @modes);
for my $r (@runs) {
    my $k = join "\t", @$r{qw(phase mode server qset)};
    push @order, $k unless $g{$k};
    push @{ $g{$k} }, $r;
    push @modes, $r->{mode} unless $modes_seen{ $r->{mode} }++;
}
my %m;   # medians per key
for my $k (keys %g) {
    my $rs = $g{$k};
    my %x;
    for my $c (qw(qps lat_avg_ms lost p50_ms p99_ms p999_ms lat_lost cpu1_pct nxdomain_pct)) {
        $x{$c} = median(map { $_->{$c} } @$rs);
    }
    # server CPU (user + system of its process tree) per answered query, µs
    $x{srvus} = median(map { ($_->{completed} && ($_->{srv_cpu_ms} // '') ne '') ? $_->{srv_cpu_ms} * 1000 / $_->{completed} : undef } @$rs);
    @x{qw(qmin qmax)} = minmax(map { $_->{qps} } @$rs);
    $x{n} = scalar @$rs;
    $x{us} = ($x{qps} && $rs->[0]{mode} ne 'free' && defined $x{cpu1_pct}) ? $x{cpu1_pct} / 100 * 1e6 / $x{qps} : undef;
    $m{$k} = \%x;
}
sub get { my ($phase, $mode, $server, $qset) = @_; return $m{ join "\t", $phase, $mode, $server, $qset }; }
my $tmode = (grep { $_ eq 'cap' } @modes) ? 'cap' : $modes[0];

my %modedesc = (cap => 'server on core 1 capped at 50 % by a CPU cgroup, 1 thread; dnsperf on core 0',
                pin => 'server on core 1 (1 thread), dnsperf on core 0, no cap',
                free => 'nothing pinned, server 2 threads');
my $latq = (map { $_->{lat_qps} } grep { $_->{lat_qps} } @runs)[0] // 20000;

my @out;
my $date = $env{date} // ''; $date =~ s/T/ /; $date =~ s/\+.*//;
push @out, "## $date, commit $env{commit}" . (($env{settings} // '') =~ /rounds 1,/ ? ' (smoke test)' : '');
push @out, '';
push @out, "- machine: $env{machine}" if $env{machine};
{
    my $l0 = $env{'loadavg at start'} // '?'; my $l1 = $env{'loadavg at end'} // '?';
    my ($one) = $l0 =~ /^([\d.]+)/;
    push @out, "- load average (1/5/15 min): $l0 at start, $l1 at end (the run itself keeps about 1.5-2 busy)"
        . ((defined $one && $one >= 0.5) ? ' — other processes were running at the start, and so shared the 2 cores: qps and p99 are noisier than on an idle machine'
                                        : ' — the machine was idle at the start');
    push @out, '- load average as each phase began: ' . join('; ', @phase_load) if @phase_load;
    push @out, "- other processes at start (ps %CPU >= 5): $env{'others at start (ps %CPU >= 5)'}" if $env{'others at start (ps %CPU >= 5)'};
}
push @out, "- $env{settings}" if $env{settings};
push @out, "- $env{versions}" if $env{versions};
push @out, "- sgdns binary: $env{'sgdns binary'}" if $env{'sgdns binary'};
push @out, "- run time: $env{duration}" if $env{duration};
push @out, '';

sub run_table {
    my ($phase, $title, $refname, $cmpfn) = @_;
    for my $mode (@modes) {
        my @keys = grep { my @p = split /\t/; $p[0] eq $phase && $p[1] eq $mode } @order;
        next unless @keys;
        push @out, "### $title — mode $mode ($modedesc{$mode})", '';
        push @out, "| query set | server | qps median (min..max) | $refname | avg ms at saturation | p50 / p99 ms at $latq qps | lost (saturation / $latq qps) | server CPU µs / query | core 1 busy % | NXDOMAIN % |";
        push @out, '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
        for my $k (@keys) {
            my (undef, undef, $server, $qset) = split /\t/, $k;
            my $x = $m{$k};
            my $cmp = $cmpfn->($mode, $server, $qset, $x);
            push @out, sprintf "| %s | %s | %s (%s..%s) | %s | %s | %s / %s | %s / %s | %s | %s | %s |",
                $qset, $server, fmt('%.0f', $x->{qps}), fmt('%.0f', $x->{qmin}), fmt('%.0f', $x->{qmax}), $cmp,
                fmt('%.3f', $x->{lat_avg_ms}), fmt('%.3f', $x->{p50_ms}), fmt('%.3f', $x->{p99_ms}),
                fmt('%.0f', $x->{lost}), fmt('%.0f', $x->{lat_lost}), fmt('%.2f', $x->{srvus}), fmt('%.0f', $x->{cpu1_pct}),
                fmt('%.1f', $x->{nxdomain_pct});
        }
        push @out, '';
    }
}
my $sg_over = sub {   # sgdns / this server, same phase/mode/qset
    my ($phase, $sg) = @_;
    return sub {
        my ($mode, $server, $qset, $x) = @_;
        return '—' if $server eq $sg;
        my $s = get($phase, $mode, $sg, $qset);
        return fmt('%.2f', ratio($s->{qps}, $x->{qps}));
    };
};
run_table('static', 'Static zone over UDP', 'sgdns / server', $sg_over->('static', 'sgdns'));
run_table('geo', 'Geo (dynamic) name over UDP', 'sgdns-geo / server', sub {
    my ($mode, $server, $qset, $x) = @_;
    if ($server eq 'sgdns-geo') {
        return '—' if $qset eq 'hot';
        my $h = get('geo', $mode, 'sgdns-geo', 'hot');
        return fmt('%.2f', ratio($x->{qps}, $h->{qps})) . ' of its static';
    }
    my $s = get('geo', $mode, 'sgdns-geo', $qset);
    return fmt('%.2f', ratio($s->{qps}, $x->{qps}));
});
if (grep { (split /\t/)[0] eq 'geo' } @order) {
    push @out, 'Query sets: `hot` = the static name www.example.test A (no EDNS); `geo` = www.geo.example.test A without ECS '
        . '(client 127.0.0.1, located NA); `geo-ecs` = the same with one ECS option 2.3.4.0/24 (dnsperf -E, EU); '
        . '`geo-ecs-multi` = ECS from random /24s of 7 networks on 6 continents (dnsperf -B file). '
        . 'For sgdns-geo rows the ratio column is its qps over its own `hot` (static) qps.', '';
}
run_table('protect', 'Abuse protection on the UDP path: sgdns with RRL off, with RRL on (nothing limited), with DNS Cookies',
    'of sgdns (RRL off)', sub {
    my ($mode, $server, $qset, $x) = @_;
    return '—' if $server eq 'sgdns';
    my $s = get('protect', $mode, 'sgdns', 'mix');
    return fmt('%.3f', ratio($x->{qps}, $s->{qps}));
});
if (grep { (split /\t/)[0] eq 'protect' } @order) {
    push @out, 'Servers: `sgdns` = as in the static phase (`--no-rrl`); `sgdns-rrl` = `--rrl-rate 1000000`, every reply '
        . 'checked against its bucket and none limited; `sgdns-cookie` = as shipped (RRL on at 200/s), queried with `mix-cookie`: '
        . 'the mix with a valid DNS Cookie on every query (fetched with kdig before each run), so every query costs a '
        . 'SipHash check and is exempt from RRL. Ratio = qps over `sgdns` in the same rounds.', '';
}
run_table('dnstap', 'Query analytics: sgdns-geo without dnstap, with dnstap logging everything, and sampling 1 in 10',
    'of sgdns-geo (off)', sub {
    my ($mode, $server, $qset, $x) = @_;
    return '—' if $server eq 'sgdns-geo';
    my $s = get('dnstap', $mode, 'sgdns-geo', $qset);
    return fmt('%.3f', ratio($x->{qps}, $s->{qps}));
});
if (grep { (split /\t/)[0] eq 'dnstap' } @order) {
    push @out, 'Servers: `sgdns-geo` = as in the geo phase, dnstap off; `sgdns-geo-dnstap` = the same with an AUTH_QUERY and an '
        . 'AUTH_RESPONSE frame for every query, to fstrm_capture on core 0 (frames to /dev/null); `sgdns-geo-dnstap10` = '
        . 'sampling 1 in 10. Query sets: `mix` (static zone data) and `geo-ecs` (the geo record with ECS: `extra` names '
        . 'region and pool). Ratio = qps over `sgdns-geo` for the same query set in the same rounds. The server CPU per '
        . 'query includes fstrm\'s I/O thread (in the server\'s cgroup).', '';
}
run_table('dnssec', 'DNSSEC: sgdns-geo unsigned, and signed (ECDSA P-256 CSK) queried with DO', 'signed / unsigned', sub {
    my ($mode, $server, $qset, $x) = @_;
    return '—' if $server eq 'sgdns-geo';
    (my $plain = $qset) =~ s/-do$//;
    my $s = get('dnssec', $mode, 'sgdns-geo', $plain);
    return fmt('%.3f', ratio($x->{qps}, $s->{qps}));
});
if (grep { (split /\t/)[0] eq 'dnssec' } @order) {
    push @out, 'Servers: `sgdns-geo` = as in the geo phase, unsigned, plain queries; `sgdns-geo-signed` = the same with '
        . 'example.test. signed by a fresh ECDSA P-256 CSK, queried with DO (dnsperf -D): every answer carries RRSIGs. '
        . 'Query sets: `hot` (one static name), `mix` (the static mix: 10 % NXDOMAIN of ~100k distinct names, answered '
        . 'with compact-denial NSECs signed on first use), `geo-ecs` (the geo record with one ECS option); `-do` = with DO. '
        . 'The signature cache is warm after each server\'s 1 s warm-up and first pass through the file. '
        . 'Ratio = signed qps over unsigned qps for the same queries in the same rounds.', '';
}
run_table('tcp', 'Static zone over TCP, pipelined (dnsperf -m tcp, 4 connections, 500 outstanding)', 'sgdns / server', $sg_over->('tcp', 'sgdns'));

# ---- load / reload -------------------------------------------------------------------------------------
my @load = read_csv("$dir/load.csv");
my (%L, @lorder);
for my $r (@load) { push @lorder, $r->{server} unless $L{ $r->{server} }; push @{ $L{ $r->{server} } }, $r; }
my %lm;
for my $s (@lorder) {
    my $rs = $L{$s};
    my %x;
    for my $c (qw(load_s hwm_kb maxrss_kb lost sent reload_s hwm_after_reload_kb)) { $x{$c} = median(map { $_->{$c} } @$rs); }
    @x{qw(lmin lmax)} = minmax(map { $_->{load_s} } @$rs);
    $x{n} = @$rs;
    $x{lost_sum} = 0; $x{lost_sum} += ($_->{lost} || 0) for @$rs;
    $x{lost_all} = join ' ', map { $_->{lost} // '-' } @$rs;
    $x{reloads_ok} = grep { ($_->{reload_ok} // '') eq 'yes' } @$rs;
    $x{reload_runs} = grep { ($_->{reload_qps} // '') ne '' } @$rs;
    $x{reload_dur} = median(map { $_->{reload_dur_s} } @$rs);
    $x{reload_qps} = median(map { $_->{reload_qps} } @$rs);
    $lm{$s} = \%x;
}
if (@lorder) {
    my $hosts = ($env{settings} // '') =~ /(\d+) hosts/ ? $1 : '?';
    push @out, "### Zone of $hosts hosts, " . ($env{'big zone'} // '?') . ': load and reload', '';
    push @out, 'Server pinned to core 1 (no cap), 1 thread. Load time = start until the last host (`h' . sprintf('%07d', $hosts =~ /^\d+$/ ? $hosts : 0) . '.example.test A`) is answered over TCP (polled every 50 ms); '
        . 'peak RSS = largest VmHWM of the process tree at that moment; lifetime max RSS (/usr/bin/time -v) includes the reload.', '';
    push @out, '| server | load time s median (min..max) | sgdns / server | peak RSS at first answer MB | sgdns / server | lifetime max RSS MB | rounds |';
    push @out, '|---|---:|---:|---:|---:|---:|---:|';
    my $sg = $lm{sgdns};
    for my $s (@lorder) {
        my $x = $lm{$s};
        push @out, sprintf "| %s | %s (%s..%s) | %s | %s | %s | %s | %d |", $s, fmt('%.2f', $x->{load_s}), fmt('%.2f', $x->{lmin}), fmt('%.2f', $x->{lmax}),
            ($s eq 'sgdns' ? '—' : fmt('%.2f', ratio($sg->{load_s}, $x->{load_s}))),
            fmt('%.0f', defined $x->{hwm_kb} ? $x->{hwm_kb} / 1024 : undef),
            ($s eq 'sgdns' ? '—' : fmt('%.2f', ratio($sg->{hwm_kb}, $x->{hwm_kb}))),
            fmt('%.0f', defined $x->{maxrss_kb} ? $x->{maxrss_kb} / 1024 : undef), $x->{n};
    }
    push @out, '';
    my @rl = grep { $lm{$_}{reload_runs} } @lorder;
    if (@rl) {
        push @out, 'Reload under load: dnsperf on core 0 at a fixed rate into the big zone (bigmix.txt), reload 3 s in '
            . '(sgdns: SIGHUP; knot: `knotc zone-reload`); the run lasts until well after the reload.', '';
        push @out, '| server | rate qps | run s | sent (median) | lost per round | reload took s (median) | reloads finished | RSS after reload MB |';
        push @out, '|---|---:|---:|---:|---|---:|---:|---:|';
        for my $s (@rl) {
            my $x = $lm{$s};
            push @out, sprintf "| %s | %s | %s | %s | %s | %s | %d / %d | %s |", $s, fmt('%.0f', $x->{reload_qps}), fmt('%.0f', $x->{reload_dur}),
                fmt('%.0f', $x->{sent}), $x->{lost_all}, ($s eq 'sgdns' ? fmt('%.2f', $x->{reload_s}) : 'n/a'),
                $x->{reloads_ok}, $x->{reload_runs}, fmt('%.0f', defined $x->{hwm_after_reload_kb} ? $x->{hwm_after_reload_kb} / 1024 : undef);
        }
        push @out, '';
    }
}

# ---- targets -------------------------------------------------------------------------------------------
my @t;
sub target {
    my ($what, $val, $ok, $note) = @_;
    push @t, sprintf "| %s | %s | %s |", $what, $val, !defined $ok ? 'not measured' : $ok ? 'holds' : '**misses**';
}
{
    # beside each qps ratio: the same comparison by server CPU per query (peer µs / sgdns µs), which the
    # other processes on the machine disturb less
    my $cpux = sub { my ($a, $b) = @_; my $r = ratio($b->{srvus}, $a->{srvus}); return defined $r ? sprintf(' (by CPU/query: %.2fx)', $r) : ''; };
    my $s = get('static', $tmode, 'sgdns', 'mix'); my $p = get('static', $tmode, 'gdnsd', 'mix');
    my $r = ratio($s->{qps}, $p->{qps});
    target("static UDP (mix, $tmode): sgdns >= 1.0x gdnsd", fmt('%.2fx', $r) . $cpux->($s, $p), defined $r ? $r >= 1.0 : undef);
    for my $q (qw(geo-ecs geo-ecs-multi)) {
        my $a = get('geo', $tmode, 'sgdns-geo', $q); my $b = get('geo', $tmode, 'gdnsd-geo', $q);
        my $r2 = ratio($a->{qps}, $b->{qps});
        target("dynamic with ECS ($q, $tmode): sgdns >= 1.0x gdnsd geoip", fmt('%.2fx', $r2) . $cpux->($a, $b), defined $r2 ? $r2 >= 1.0 : undef);
        my $h = get('geo', $tmode, 'sgdns-geo', 'hot');
        my $r3 = ratio($a->{qps}, $h->{qps});
        target("dynamic with ECS ($q, $tmode): >= 0.9x sgdns static name", fmt('%.2fx', $r3) . $cpux->($a, $h), defined $r3 ? $r3 >= 0.9 : undef);
    }
    for my $k (grep { my @p = split /\t/; $p[1] eq $tmode && $p[2] =~ /^sgdns/ } @order) {
        my @p = split /\t/, $k;
        my $x = $m{$k};
        target("p99 < 1 ms at $latq qps: $p[2] $p[3] ($p[0], $tmode)", fmt('%.3f ms', $x->{p99_ms}), defined $x->{p99_ms} ? $x->{p99_ms} < 1.0 : undef);
    }
    my ($sg, $kn) = ($lm{sgdns}, $lm{knot});
    my $rt = ratio($sg->{load_s}, $kn->{load_s}); my $rm = ratio($sg->{hwm_kb}, $kn->{hwm_kb});
    my $zl = $env{'big zone'} // 'big zone';
    target("zone load time ($zl): sgdns <= Knot", defined $rt ? sprintf('%.2f s vs %.2f s (%.2fx)', $sg->{load_s}, $kn->{load_s}, $rt) : '-', defined $rt ? $rt <= 1.0 : undef);
    target("zone load peak memory ($zl): sgdns <= Knot", defined $rm ? sprintf('%.0f MB vs %.0f MB (%.2fx)', $sg->{hwm_kb} / 1024, $kn->{hwm_kb} / 1024, $rm) : '-', defined $rm ? $rm <= 1.0 : undef);
    my $rel = $sg && $sg->{reload_runs} ? $sg : undef;
    target("zero lost queries while sgdns reloads that zone under load",
        $rel ? "lost $rel->{lost_all} (per round), reloads finished $rel->{reloads_ok}/$rel->{reload_runs}" : '-',
        $rel ? ($rel->{lost_sum} == 0 && $rel->{reloads_ok} == $rel->{reload_runs}) : undef);
    my $base = get('protect', $tmode, 'sgdns', 'mix');
    for my $v (['sgdns-rrl', 'mix', 'RRL on, nothing limited'], ['sgdns-cookie', 'mix-cookie', 'DNS Cookies, RRL on']) {
        my $x = get('protect', $tmode, $v->[0], $v->[1]);
        my $r5 = ratio($x->{qps}, $base->{qps});
        target("$v->[2] ($v->[1], $tmode): >= 0.95x sgdns static (mix, RRL off)", fmt('%.3fx', $r5) . $cpux->($x, $base),
            defined $r5 ? $r5 >= 0.95 : undef);
    }
    my $a = get('tcp', $tmode, 'sgdns', 'mix-tcp'); my $b = get('tcp', $tmode, 'knot', 'mix-tcp');
    my $r4 = ratio($a->{qps}, $b->{qps});
    target("TCP pipelined ($tmode): sgdns >= 1.0x Knot", fmt('%.2fx', $r4) . $cpux->($a, $b), defined $r4 ? $r4 >= 1.0 : undef);
}
push @out, '### Targets', '', '| target | measured | verdict |', '|---|---|---|', @t, '';

# ---- checks / skipped ------------------------------------------------------------------------------------
my @checks = grep { length } split /\n/, slurp("$dir/checks.txt");
my @bad = grep { /^MISMATCH/ } @checks;
push @out, sprintf('Answer checks (kdig, before the first round of each server): %d ok, %d differ%s', scalar(@checks) - @bad, scalar @bad, @bad ? ':' : '.');
push @out, map { "- $_" } @bad;
my @sk = grep { length } split /\n/, slurp("$dir/skipped.txt");
push @out, '', 'Skipped or failed:', map { "- $_" } @sk if @sk;
print join("\n", @out), "\n";
