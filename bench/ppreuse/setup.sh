#!/bin/sh
# Issue #16 part 2 repro: HAProxy 2.6 (mode http, http-reuse always) in front of
#   28301 ours, proxy_protocol = true  (HAProxy backend b_ours_pp, send-proxy-v2)  front 28401
#   28302 ours, plain                  (b_ours_plain)                              front 28402
#   28303 nginx, listen proxy_protocol (b_nginx_pp, send-proxy-v2)                 front 28403
#   28304 nginx, plain                 (b_nginx_plain)                             front 28404
#   28305 ours, bind_ssl + proxy_protocol (b_ours_tls_pp, ssl send-proxy-v2)      front 28405
# REUSE=never|safe|aggressive|always (default always) sets HAProxy's http-reuse.
# Starts everything under /tmp/ppreuse; stop with: kill $(cat /tmp/ppreuse/*.pid)
set -e
D=/tmp/ppreuse
REPO=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p $D/nginx
[ -f $D/cert.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout $D/key.pem -out $D/cert.pem 2>/dev/null
cat > $D/nginx.conf <<NG
daemon off;
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $D/nginx/body; proxy_temp_path $D/nginx/proxy;
  fastcgi_temp_path $D/nginx/fcgi; uwsgi_temp_path $D/nginx/uwsgi; scgi_temp_path $D/nginx/scgi;
  server { listen 127.0.0.1:28303 proxy_protocol; return 200 "hello"; }
  server { listen 127.0.0.1:28304; return 200 "hello"; }
}
NG
cat > $D/haproxy.cfg <<HA
global
  nbthread 1
  maxconn 8000
  stats socket $D/haproxy.sock level admin
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse ${REUSE:-always}
frontend f_ours_pp
  bind 127.0.0.1:28401
  default_backend b_ours_pp
frontend f_ours_plain
  bind 127.0.0.1:28402
  default_backend b_ours_plain
frontend f_nginx_pp
  bind 127.0.0.1:28403
  default_backend b_nginx_pp
frontend f_nginx_plain
  bind 127.0.0.1:28404
  default_backend b_nginx_plain
frontend f_ours_tls_pp
  bind 127.0.0.1:28405
  default_backend b_ours_tls_pp
backend b_ours_tls_pp
  server s 127.0.0.1:28305 ssl verify none sni str(localhost) send-proxy-v2
backend b_ours_pp
  server s 127.0.0.1:28301 send-proxy-v2
backend b_ours_plain
  server s 127.0.0.1:28302
backend b_nginx_pp
  server s 127.0.0.1:28303 send-proxy-v2
backend b_nginx_plain
  server s 127.0.0.1:28304
HA
cat > $D/wm.toml <<WM
[[http.server]]
bind_addr = "127.0.0.1:28301"
proxy_protocol = true
[[http.server.location]]
rule = "/"
static_response = "hello"

[[http.server]]
bind_addr = "127.0.0.1:28302"
[[http.server.location]]
rule = "/"
static_response = "hello"

[[http.server]]
bind_ssl = "127.0.0.1:28305"
proxy_protocol = true
server_name = "localhost"
cert = "$D/cert.pem"
key = "$D/key.pem"
[[http.server.location]]
rule = "/"
static_response = "hello"
WM
nginx -e stderr -p $D/nginx -c $D/nginx.conf & echo $! > $D/nginx.pid
haproxy -f $D/haproxy.cfg -db & echo $! > $D/haproxy.pid
deno run -A $REPO/main.ts run -c $D/wm.toml --control 127.0.0.1:28399 > $D/wm.log 2>&1 & echo $! > $D/wm.pid
sleep 2
