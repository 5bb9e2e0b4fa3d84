#!/bin/sh
# measure.sh FRONT_PORT BACKEND_NAME BACKEND_PORT [wrk args]: two wrk runs, each with
# (GAP=seconds between the runs) HAProxy's per-server connect/reuse counters and TIME_WAIT sockets towards the backend port.
F=$1; B=$2; P=$3; shift 3
ARGS=${*:-"-t1 -c50 -d5s"}
srv() { python3 "$(dirname "$0")/stat.py" "show stat" | awk -F, -v b="$B" '$1==b && $2=="s" {print "connect=" $85 " reuse=" $86 " stot=" $8 " scur=" $5}'; }
pool() { python3 "$(dirname "$0")/stat.py" "show servers conn" | awk -v b="$B/s" '$1==b {print "used_cur=" $7 " need_est=" $9 " idle_cur=" $13}'; }
tw() { ss -tan state time-wait "( dport = :$P or sport = :$P )" | tail -n +2 | wc -l; }
for run in 1 2; do
  [ "$run" = 2 ] && sleep "${GAP:-0}"
  echo "[$B run$run] before: $(srv) $(pool) tw=$(tw)"
  flock /tmp/bench.lock wrk $ARGS http://127.0.0.1:$F/ | grep -E "Requests/sec|requests in|Socket errors|Non-2xx"
  echo "[$B run$run] after:  $(srv) tw=$(tw) estab=$(ss -tan state established "( dport = :$P )" | tail -n +2 | wc -l)"
done
