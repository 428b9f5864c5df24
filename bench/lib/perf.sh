# lib/perf.sh — start/stop servers, drive them with dnsperf, record one CSV line per run.
# Sourced by bench/run (after lib/servers.sh); adapted from the shared peer harness's bench.sh.
#
# Needs: HERE DATA OUT CSV DUR LATDUR LATQPS DPARGS CGPROCS, and SRV_* from lib/servers.sh.
#
# Modes (where the server and dnsperf run):
#   cap : server `taskset -c 1` with THREADS=1 and capped at CAP % of core 1 by a CPU cgroup (CFS quota
#         5 ms per 10 ms period), dnsperf `taskset -c 0`: the server, not dnsperf, is the bottleneck, so
#         qps ranks servers by their CPU cost per query (the mode the targets are judged in)
#   pin : the same without the cap (on 2 cores mostly measures dnsperf)
#   free: nothing pinned, server THREADS=2 (measures the machine, dnsperf included)
#
# Query sets (file in $DATA + extra dnsperf arguments):
#   mix            mix.txt: ~80 % existing A/AAAA, 10 % NXDOMAIN, 5 % CNAME, 5 % other types, random case
#   hot            hot.txt: one static name, www.example.test A
#   geo            geo.txt: www.geo.example.test A without ECS (client 127.0.0.1 -> NA -> dc-us)
#   geo-ecs        geo.txt with one fixed ECS option 2.3.4.0/24 (-> EU -> dc-eu): dnsperf -E
#   geo-ecs-multi  geo-ecs-multi.bin (dnsperf -B): www.geo A, ECS from random /24s in 7 networks
#   mix-tcp        mix.txt over TCP (dnsperf -m tcp: -c connections, queries pipelined on each)
#   mix-cookie     mix.txt, every query with the same valid DNS Cookie (client + server cookie, dnsperf -E),
#                  fetched from the running server with kdig before each run (a server cookie is bound to
#                  the client address, 127.0.0.1, and good for an hour)
#   bigmix         bigmix.txt: queries into the 1M-record zone (load phase)

declare -gA QFILE=([mix]=mix.txt [hot]=hot.txt [geo]=geo.txt [geo-ecs]=geo.txt
                   [geo-ecs-multi]=geo-ecs-multi.bin [mix-tcp]=mix.txt [bigmix]=bigmix.txt [mix-cookie]=mix.txt
                   [mix-do]=mix.txt [hot-do]=hot.txt [geo-ecs-do]=geo.txt)
# ECS option (code 8): family 1, source /24, scope 0, address 2.3.4.0 (-> EU/DE in test.mmdb)
declare -gA QARGS=([mix]="" [hot]="" [geo]="" [geo-ecs]="-E 8:00011800020304"
                   [geo-ecs-multi]="-B" [mix-tcp]="-m tcp" [bigmix]="" [mix-cookie]=""
                   [mix-do]="-D" [hot-do]="-D" [geo-ecs-do]="-D -E 8:00011800020304")

# The dnsperf arguments of a query set against the server on $SPORT (mix-cookie: a fresh valid cookie).
qset_args() {  # qset
  local q=$1
  if [ "$q" = mix-cookie ]; then
    local c; c=$(kdig @127.0.0.1 -p "$SPORT" www.example.test A +cookie=5347646e73426e63 +timeout=2 +retry=1 2>/dev/null |
                 sed -n 's/^;; COOKIE: \([0-9A-Fa-f]\{48\}\).*/\1/p' | head -1)
    [ -n "$c" ] || log "mix-cookie: no server cookie from the server on $SPORT (queries will carry none)"
    echo "-E 10:${c:-5347646e73426e63}"
    return
  fi
  echo "${QARGS[$q]}"
}

CSV_HEADER="phase,rep,mode,server,qset,qps,lat_avg_ms,lat_sd_ms,lat_max_ms,sent,completed,lost,noerror_pct,nxdomain_pct,cpu0_pct,cpu1_pct,srv_cpu_ms,lat_qps,p50_ms,p90_ms,p99_ms,p999_ms,lat_lost"

declare -gA CUSTOM_CMD=()   # ad-hoc servers (--server custom:NAME=COMMAND)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cpusnap() { awk '/^cpu[0-9]/{idle=$5+$6; tot=0; for(i=2;i<=NF;i++) tot+=$i; print tot, idle}' /proc/stat | tr '\n' ' '; }
cpubusy() {  # "before" "after" -> "cpu0 cpu1" busy %
  echo "$1 $2" | awk '{n=NF/4; for(i=0;i<n;i++){dt=$(2*n+2*i+1)-$(2*i+1); di=$(2*n+2*i+2)-$(2*i+2);
                      printf "%s%.0f", (i ? " " : ""), (dt > 0 ? 100 * (1 - di / dt) : 0)}}'
}
# CPU time (user + system, ms) used so far by a process tree: the server's own cost, whatever else runs
# on the machine (cpu0/cpu1 busy % count every process on the core).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
tree_pids() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p"); do tree_pids "$c"; done; }
tree_cpu_ms() {
  local p t=0 v
  for p in $(tree_pids "$1"); do
    v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
    [ -n "$v" ] && t=$((t + v))
  done
  echo $((t * 1000 / CLK_TCK))
}
port_busy() { ss -Hlnu "sport = :$1" 2>/dev/null | grep -q . || ss -Hlnt "sport = :$1" 2>/dev/null | grep -q . ; }

# Re-apply the pin to every thread of the server and of its child processes: some servers set their own
# thread affinity at start (knotd pins UDP worker i to CPU i, i.e. onto dnsperf's core 0).
pin_tree() {  # pid cpu
  taskset -a -p -c "$2" "$1" >/dev/null 2>&1
  local c; for c in $(pgrep -P "$1"); do pin_tree "$c" "$2"; done
}

server_available() {  # name -> 0 if it can run here
  local n=$1
  [ -n "${CUSTOM_CMD[$n]:-}" ] && return 0
  declare -F "srv_$n" >/dev/null || return 1
  local b=${SRV_BIN[$n]:-}
  [ -z "$b" ] && return 0
  [ -x "$b" ] || command -v "$b" >/dev/null 2>&1
}
server_port() { echo "${SRV_PORT[$1]}"; }

# server_cmd NAME DIR PORT THREADS -> prints the command line
server_cmd() {
  local n=$1 d=$2 port=$3 th=$4
  if [ -n "${CUSTOM_CMD[$n]:-}" ]; then
    local cmd=${CUSTOM_CMD[$n]}
    cmd=${cmd//\{PORT\}/$port}; cmd=${cmd//\{THREADS\}/$th}; cmd=${cmd//\{ZONE\}/$ZONEFILE}
    cmd=${cmd//\{DIR\}/$d}; cmd=${cmd//\{DATA\}/$DATA}; cmd=${cmd//\{HERE\}/$HERE}
    echo "$cmd"
  else
    "srv_$n" "$d" "$port" "$th"
  fi
}

# wait_answer PORT NAME TYPE EXPECT_RE TRIES INTERVAL PID -> 0 when kdig's reply matches EXPECT_RE
wait_answer() {
  local port=$1 qn=$2 qt=$3 re=$4 tries=$5 iv=$6 pid=$7 k
  for k in $(seq 1 "$tries"); do
    kill -0 "$pid" 2>/dev/null || return 2
    kdig @127.0.0.1 -p "$port" "$qn" "$qt" +timeout=1 +retry=0 2>/dev/null | grep -Eq "$re" && return 0
    sleep "$iv"
  done
  return 1
}

SPID="" SDIR="" SPORT=""
start_server() {  # name mode -> sets SPID, SDIR, SPORT
  local n=$1 mode=$2 th=2 pin="" cg=""
  case $mode in
    pin) th=1 pin="taskset -c 1" ;;
    cap) th=1 pin="taskset -c 1" cg="echo \$\$ > $CGPROCS && " ;;
    free) ;;
    *) log "unknown mode $mode"; return 1 ;;
  esac
  SPORT=$(server_port "$n")
  SDIR=$(mktemp -d "/tmp/sgdns-bench.$n.XXXXXX")
  local cmd; cmd=$(server_cmd "$n" "$SDIR" "$SPORT" "$th")
  echo "$cmd" > "$SDIR/cmdline"
  if port_busy "$SPORT"; then log "port $SPORT busy, skipping $n"; return 1; fi
  $pin bash -c "${cg}exec $cmd" > "$SDIR/server.log" 2>&1 &
  SPID=$!
  local qn=${SRV_PROBE[$n]:-www.example.test}
  wait_answer "$SPORT" "$qn" A 'status: NOERROR' 150 0.1 "$SPID"
  case $? in
    0) return 0 ;;
    2) log "$n died at start:"; tail -5 "$SDIR/server.log" >&2; SPID="" ;;
    *) log "$n not answering on $SPORT"; stop_server ;;
  esac
  return 1
}
stop_server() {
  [ -z "$SPID" ] && return 0
  kill -TERM "$SPID" 2>/dev/null
  local k; for k in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SPID" 2>/dev/null && kill -KILL "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null; SPID=""
  # nsd's children exit with their parent; wait until the port is free
  for k in $(seq 1 50); do port_busy "$SPORT" || break; sleep 0.1; done
}

# ---- correctness: the same answers from every server ----------------------------------------------
# kdig +short of each probe, sorted, joined; "status X" for a non-NOERROR status. An expectation may list
# alternatives separated by "||": gdnsd answers an in-zone CNAME without chasing it (legal, RFC 1034
# 4.3.2 lets the resolver follow it), the others add the target's A record.
probe() {  # port name type [kdig args...]
  local port=$1 qn=$2 qt=$3; shift 3
  local out; out=$(kdig @127.0.0.1 -p "$port" "$qn" "$qt" +timeout=2 +retry=1 "$@" 2>/dev/null)
  local st; st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -1)
  if [ "$st" != NOERROR ]; then echo "status ${st:-none}"; return; fi
  kdig @127.0.0.1 -p "$port" "$qn" "$qt" +timeout=2 +retry=1 +short "$@" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}
declare -ga CHECKS_STATIC=(
  "www.example.test A|192.0.2.80"
  "H0001.eXample.TEST A|10.0.0.1"
  "c001.example.test A|10.0.0.7 h0007.example.test.||h0007.example.test."
  "nx000001.example.test A|status NXDOMAIN"
  "x1.wild.example.test A|192.0.2.99"
  "example.test MX|10 mail.example.test. 20 mail2.example.test."
  "t01.example.test TXT|\"record 1 some text payload for txt lookups\""
)
declare -ga CHECKS_GEO=(
  "www.example.test A|192.0.2.80"
  "www.geo.example.test A|192.0.2.10"
  "www.geo.example.test A +subnet=2.3.4.0/24|192.0.2.20"
  "www.geo.example.test A +subnet=1.2.3.0/24|192.0.2.10"
  "www.geo.example.test A +subnet=3.3.4.0/24|192.0.2.20"
  "WWW.Geo.example.test A +subnet=4.1.1.0/24|192.0.2.30"
  "www.geo.example.test A +subnet=5.1.1.0/24|192.0.2.30"
  "www.geo.example.test A +subnet=6.1.1.0/24|192.0.2.10"
)
# the zone's last host (bench/run sets BIG_LAST / BIG_LAST_A from --big-hosts)
declare -ga CHECKS_BIG=(
  "$BIG_LAST.example.test A|$BIG_LAST_A"
  "h0000010.example.test AAAA|2001:db8:0:a::1"
  "c0000001.example.test A|10.0.0.98 h0000098.example.test."
  "nx0000001.example.test A|status NXDOMAIN"
)
check_server() {  # name port set(static|geo|big) -> appends to $OUT/checks.txt; returns #mismatches
  local n=$1 port=$2 set=$3 bad=0 c q want got
  local -n list="CHECKS_${set^^}"
  [ "$n" = echo ] && return 0
  for c in "${list[@]}"; do
    q=${c%%|*} want=${c#*|}
    # shellcheck disable=SC2086
    got=$(probe "$port" $q)
    if [[ "||$want||" == *"||$got||"* ]]; then echo "ok       $n: $q -> $got" >> "$OUT/checks.txt"
    else echo "MISMATCH $n: $q -> '$got' (want '$want')" >> "$OUT/checks.txt"; bad=$((bad + 1)); fi
  done
  [ $bad -gt 0 ] && log "$n: $bad answer(s) differ from the expected ones, see $OUT/checks.txt"
  return $bad
}

# ---- one measurement: a saturating throughput run + a fixed-rate latency run -------------------------
parse_dnsperf() {  # file -> "qps,avg,sd,max,sent,completed,lost,noerror%,nxdomain%"
  awk '
    /Queries sent:/ {s=$3} /Queries completed:/ {c=$3} /Queries lost:/ {l=$3}
    /Response codes:/ {for(i=3;i<=NF;i++){ if($i=="NOERROR"){g=$(i+2)} if($i=="NXDOMAIN"){x=$(i+2)} }}
    /Queries per second:/ {q=$4}
    # TCP output has a second "Average Latency" (connection set-up) under "Connection Statistics"
    /Average Latency/ && !seen_avg {avg=$4*1000; mx=$8*1000; seen_avg=1} /Latency StdDev/ && !seen_sd {sd=$4*1000; seen_sd=1}
    END { gsub(/[(),%]/,"",g); gsub(/[(),%]/,"",x); sub(/\)$/,"",mx);
          printf "%.0f,%.3f,%.3f,%.3f,%s,%s,%s,%s,%s", q, avg, sd, mx, s, c, l, (g==""?0:g), (x==""?0:x) }' "$1"
}

run_one() {  # phase rep mode name qset
  local phase=$1 rep=$2 mode=$3 n=$4 q=$5 dpin=""
  [ "$mode" != free ] && dpin="taskset -c 0"
  local f="$DATA/${QFILE[$q]}" tag="${phase}_r${rep}_${mode}_${n}_${q}"
  local qa; qa=$(qset_args "$q")
  # shellcheck disable=SC2086
  [ "$mode" != free ] && pin_tree "$SPID" 1
  # warm-up (not recorded)
  $dpin dnsperf -s 127.0.0.1 -p "$SPORT" -d "$f" -l 1 $DPARGS $qa > /dev/null 2>&1
  [ "$mode" != free ] && pin_tree "$SPID" 1
  local a b sc0 sc1; a=$(cpusnap); sc0=$(tree_cpu_ms "$SPID")
  $dpin dnsperf -s 127.0.0.1 -p "$SPORT" -d "$f" -l "$DUR" $DPARGS $qa > "$OUT/raw/$tag.txt" 2>&1
  b=$(cpusnap); sc1=$(tree_cpu_ms "$SPID")
  local cpu; cpu=$(cpubusy "$a" "$b")
  local stats; stats=$(parse_dnsperf "$OUT/raw/$tag.txt")
  local lat=",,,,,"
  if [ "$LATQPS" != 0 ]; then
    $dpin dnsperf -s 127.0.0.1 -p "$SPORT" -d "$f" -l "$LATDUR" -Q "$LATQPS" $DPARGS $qa -v > "$OUT/raw/$tag.lat.txt" 2>&1
    local lost; lost=$(awk '/Queries lost:/ {print $3}' "$OUT/raw/$tag.lat.txt")
    lat=$(awk '/^> / { print $NF * 1000 }' "$OUT/raw/$tag.lat.txt" | sort -g | awk -v want="$LATQPS" -v lost="${lost:-0}" '
      { v[n++] = $1 }
      END { if (n == 0) { printf ",,,,,"; exit }
            printf "%d,%.3f,%.3f,%.3f,%.3f,%s", want, v[int(n*0.5)], v[int(n*0.9)], v[int(n*0.99)], v[int(n*0.999)], lost }')
    grep -v '^> ' "$OUT/raw/$tag.lat.txt" > "$OUT/raw/$tag.lat.summary.txt"
    rm -f "$OUT/raw/$tag.lat.txt"
  fi
  local line="$phase,$rep,$mode,$n,$q,$stats,${cpu// /,},$((sc1 - sc0)),$lat"
  echo "$line" >> "$CSV"
  log "$line"
}

# run_phase PHASE "SERVERS" QSETS_FUNC CHECKSET: interleaved rounds: rep 1 {A B C}, rep 2 {A B C}, ...
run_phase() {
  local phase=$1 servers=$2 qfn=$3 cset=$4 rep mode n q
  for rep in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
      for n in $servers; do
        if ! server_available "$n"; then
          [ "$rep" = 1 ] && [ "$mode" = "${MODES%% *}" ] && { log "SKIP $n: not installed"; echo "$phase $n: not installed, skipped" >> "$OUT/skipped.txt"; }
          continue
        fi
        if ! start_server "$n" "$mode"; then
          log "SKIP $n $mode (round $rep)"
          echo "$phase $n $mode round $rep: failed to start (log: raw/FAILED_${phase}_${mode}_${n}_r$rep.log)" >> "$OUT/skipped.txt"
          cp "$SDIR/server.log" "$OUT/raw/FAILED_${phase}_${mode}_${n}_r$rep.log" 2>/dev/null
          rm -rf "$SDIR"; continue
        fi
        cp "$SDIR/cmdline" "$OUT/raw/cmd_${phase}_${mode}_${n}.txt"
        [ "$rep" = 1 ] && [ -n "$cset" ] && check_server "$n" "$SPORT" "$cset"
        for q in $($qfn "$n"); do run_one "$phase" "$rep" "$mode" "$n" "$q"; done
        if ! kill -0 "$SPID" 2>/dev/null; then
          log "$n died during the runs"; echo "$phase $n $mode round $rep: died during the runs" >> "$OUT/skipped.txt"
          cp "$SDIR/server.log" "$OUT/raw/DIED_${phase}_${mode}_${n}_r$rep.log" 2>/dev/null
        fi
        stop_server
        cp "$SDIR/server.log" "$OUT/raw/log_${phase}_${mode}_${n}.txt" 2>/dev/null
        rm -rf "$SDIR"; SDIR=""
      done
    done
  done
}
