#!/bin/sh
# Stops what setup.sh started.
for f in /tmp/ppreuse/nginx.pid /tmp/ppreuse/haproxy.pid /tmp/ppreuse/wm.pid; do
  [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"
done
sleep 1
