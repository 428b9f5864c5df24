# lib/load.sh — phase "load": a 1M-record zone: time and peak memory to load it, and lost queries
# while it is reloaded under load. Sourced by bench/run (after lib/perf.sh).
#
# For each round and each of sgdns, knot, nsd (interleaved), with $DATA/big.example.test.zone
# (lib/gen_big_zone.sh: 1,121,000 records):
#   1. start the server pinned to core 1 (no cgroup cap, THREADS=1) under /usr/bin/time -v;
#      load time = from the fork until `kdig +tcp h1000000.example.test A` (the zone's last host, polled
#      every 50 ms from core 0) gets its A record (TCP, because a closed TCP port refuses at once while
#      kdig waits a full second on a closed UDP port). sgdns and nsd read the zone before they answer; knotd
#      answers at once but SERVFAILs the zone until its background worker has loaded it.
#   2. peak memory at that moment: the largest VmHWM (/proc/PID/status) in the server's process tree
#      (nsd forks its server and xfrd processes; pages shared with the parent count in each).
#   3. sgdns and knot only: reload under load. dnsperf -Q RELOAD_QPS on bigmix.txt (dnsperf on core 0)
#      and, RELOAD_AT s in, a reload: sgdns SIGHUP, knot `knotc zone-reload` (the zone file is
#      unchanged, so this measures the serving path during the rebuild, which both do beside the
#      serving copy). The run lasts long enough for the reload to finish (RELOAD_AT + 2 x load time + 5 s,
#      at least RELOAD_DUR, at most 120 s). Lost = dnsperf's "Queries lost" (no reply within 5 s).
#      sgdns' reload duration comes from its log ("reload: started" .. "reload: done").
#   4. stop (SIGTERM); lifetime peak RSS = /usr/bin/time's "Maximum resident set size" (largest process
#      of the tree, reload included).
# Output: $OUT/load.csv.

LOAD_HEADER="rep,server,load_s,hwm_kb,maxrss_kb,reload_qps,reload_dur_s,sent,completed,lost,reload_s,reload_ok,hwm_after_reload_kb"

tree_hwm() {  # pid -> largest VmHWM (kB) in its tree
  local m=0 p v
  for p in $(tree_pids "$1"); do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$m" ] && m=$v
  done
  echo "$m"
}
now_ns() { date +%s%N; }

load_one() {  # rep name
  local rep=$1 n=$2 d port cmd tpid spid t0 t1 k
  port=$(server_port "$n")
  d=$(mktemp -d "/tmp/sgdns-bench.load.$n.XXXXXX")
  SDIR=$d   # removed by bench/run's EXIT trap if interrupted
  cmd=$(ZONEFILE=$DATA/big.example.test.zone server_cmd "$n" "$d" "$port" 1)
  echo "$cmd" > "$d/cmdline"
  if port_busy "$port"; then log "port $port busy, skipping load $n"; rm -rf "$d"; return 1; fi
  t0=$(now_ns)
  # shellcheck disable=SC2086
  taskset -c 1 /usr/bin/time -v -o "$d/time.txt" $cmd > "$d/server.log" 2>&1 &
  tpid=$!
  SPID=$tpid SPORT=$port   # for the EXIT trap until the server's own pid is known
  spid=""
  for k in $(seq 1 100); do spid=$(pgrep -P "$tpid" | head -1); [ -n "$spid" ] && break; sleep 0.01; done
  [ -n "$spid" ] && SPID=$spid
  local ok=1
  for k in $(seq 1 "$((LOAD_TIMEOUT * 20))"); do   # <= LOAD_TIMEOUT s
    if ! kill -0 "$tpid" 2>/dev/null; then ok=0; break; fi
    # Over TCP: a port nobody listens on yet refuses at once. Over UDP kdig waits out its whole 1 s
    # timeout instead, so a server that binds only after loading was measured up to a second late.
    if kdig @127.0.0.1 -p "$port" "$BIG_LAST.example.test" A +tcp +timeout=1 +retry=0 +short 2>/dev/null | grep -qx "$BIG_LAST_A"; then
      ok=2; break
    fi
    sleep 0.05
  done
  t1=$(now_ns)
  if [ "$ok" != 2 ]; then
    local why="timeout $LOAD_TIMEOUT s"; [ "$ok" = 0 ] && why="died"
    log "load $n: no answer from the 1M zone ($why)"
    echo "load $n round $rep: no answer from the 1M zone ($why)" >> "$OUT/skipped.txt"
    cp "$d/server.log" "$OUT/raw/FAILED_load_${n}_r$rep.log" 2>/dev/null
    stop_server; wait "$tpid" 2>/dev/null; rm -rf "$d"; return 1
  fi
  local load_s hwm; load_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  hwm=$(tree_hwm "$spid")
  [ "$rep" = 1 ] && check_server "$n" "$port" big
  log "load $n: ${load_s} s, VmHWM $((hwm / 1024)) MB"

  local rqps="" rdur="" sent="" comp="" lost="" rs="" rok="" hwm2=""
  if [ "$n" = sgdns ] || [ "$n" = knot ]; then
    rqps=$RELOAD_QPS
    rdur=$(awk -v l="$load_s" -v at="$RELOAD_AT" -v m="$RELOAD_DUR" 'BEGIN {d = int(at + 2 * l + 5); if (d < m) d = m; if (d > 120) d = 120; print d}')
    local tag="load_r${rep}_${n}_reload"
    taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$DATA/bigmix.txt" -l "$rdur" -Q "$rqps" $DPARGS > "$OUT/raw/$tag.txt" 2>&1 &
    local dpid=$!
    DPID=$dpid   # killed by bench/run's EXIT trap if interrupted
    sleep "$RELOAD_AT"
    local r0 r1=""; r0=$(now_ns)
    if [ "$n" = sgdns ]; then kill -HUP "$spid"
    else knotc -c "$d/knot.conf" zone-reload example.test > "$d/knotc.txt" 2>&1; fi
    if [ "$n" = sgdns ]; then   # wait (bounded by the run) for the reload to finish
      for k in $(seq 1 $((rdur * 10))); do
        grep -q 'reload: done' "$d/server.log" && { r1=$(now_ns); break; }
        grep -q 'reload refused' "$d/server.log" && break
        kill -0 "$dpid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    wait "$dpid"; DPID=""
    local st; st=$(parse_dnsperf "$OUT/raw/$tag.txt")
    IFS=, read -r _ _ _ _ sent comp lost _ _ <<<"$st"
    if [ "$n" = sgdns ]; then
      if [ -n "$r1" ]; then rok=yes; rs=$(awk -v a="$r0" -v b="$r1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
      else rok=no; fi
    else
      grep -qi 'OK' "$d/knotc.txt" && rok=yes || rok=no
    fi
    hwm2=$(tree_hwm "$spid")
    log "reload $n under ${rqps} qps for ${rdur} s: sent $sent lost $lost, reload ${rs:-?} s ($rok)"
  fi
  stop_server
  wait "$tpid" 2>/dev/null
  local maxrss; maxrss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$d/time.txt" 2>/dev/null)
  cp "$d/server.log" "$OUT/raw/log_load_${n}_r$rep.txt" 2>/dev/null
  cp "$d/time.txt" "$OUT/raw/time_load_${n}_r$rep.txt" 2>/dev/null
  echo "$rep,$n,$load_s,$hwm,${maxrss:-},$rqps,$rdur,$sent,$comp,$lost,$rs,$rok,$hwm2" >> "$OUT/load.csv"
  rm -rf "$d"; SDIR=""
}

run_load_phase() {
  [ -f "$OUT/load.csv" ] || echo "$LOAD_HEADER" > "$OUT/load.csv"
  local rep n
  for rep in $(seq 1 "$LOAD_ROUNDS"); do
    for n in $LOAD_SERVERS; do
      if ! server_available "$n"; then
        [ "$rep" = 1 ] && echo "load $n: not installed, skipped" >> "$OUT/skipped.txt"
        continue
      fi
      load_one "$rep" "$n"
    done
  done
}
