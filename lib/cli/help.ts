import { DEFAULTS } from "../config/schema.ts";
import type { Verb } from "./args.ts";

const SHARED = `Shared flags:
  --control ADDR        control endpoint address (default ${DEFAULTS.control}; when the
                        default is busy, proxy, reverse-proxy, file-server and ws-proxy
                        warn and run without one)
  --disable-control     run without the control endpoint
  --share-ports         bind addresses another process holds with reusePort, sharing their
                        connections (a new binary taking over); otherwise that is an error
  --workers N|auto      threads accepting TCP connections, each with its own sockets
                        (default ${DEFAULTS.workers}: the main thread alone; auto: one per core)
  -v, --verbose         log at debug level
  --default-level LVL   trace, debug, info, warn, error or fatal (default ${DEFAULTS.default_level})
  --pidfile FILE        write the process id to FILE while running
  -h, --help            this help`;

const TEXT: Record<Verb, string> = {
  help: `wmproxy — forward/reverse proxy, TCP forwarder and tunnel driven by one TOML file

Usage: wmproxy <command> [flags]
       wmproxy -c FILE          same as: wmproxy run -c FILE

Commands:
  run -c FILE        run with a config file
  check -c FILE      validate a config file and list its listeners (exit 0 or 2)
  reload [-c FILE | -u URL]
                     make a running instance re-read its config file
  stop [-c FILE | -u URL]
                     make a running instance stop accepting, drain and exit
  proxy [-b ADDR] [--user U --pass P] [--flag "http https socks5"]
                     run a forward proxy (HTTP, CONNECT, SOCKS5) without a config file;
                     with -S ADDR a tunnel client, with --tc or --map-tcp-bind a tunnel server
  reverse-proxy -f FROM -t TO [-H RULE]... [--tls] [--ws] [--access-log FILE]
                     run a reverse proxy from FROM to TO without a config file
  file-server [-r ROOT] [-l ADDR]... [-b]
                     serve the files of ROOT without a config file
  ws-proxy -f FROM -t TO --mode ws2tcp|tcp2ws|tcp2wss [--domain D]
                     bridge WebSocket and TCP without a config file
  version            print the version
  help               this help

Run 'wmproxy <command> --help' for a command's flags.
Exit codes: 0 ok, 1 runtime failure (cannot bind, control endpoint unreachable),
            2 invalid config or command line.

${SHARED}`,
  run: `Usage: wmproxy run -c FILE [flags]

Starts every listener in FILE and the control endpoint; runs until /stop, SIGTERM or SIGINT.
SIGHUP reloads FILE.

  -c, --config FILE     the TOML config file

${SHARED}`,
  check: `Usage: wmproxy check -c FILE [flags]

Validates FILE without binding anything; prints its listeners. Exit 0 if valid, 2 if not.

  -c, --config FILE     the TOML config file

${SHARED}`,
  reload: `Usage: wmproxy reload [-c FILE | -u URL] [flags]

Asks a running instance to re-read its config file (POST /reload). An invalid new config is
refused (exit 2) and the running config keeps serving.

  -c, --config FILE     read the control address (and control_token) from FILE
  -u, --url URL         the control endpoint, e.g. http://127.0.0.1:8837

${SHARED}`,
  stop: `Usage: wmproxy stop [-c FILE | -u URL] [flags]

Asks a running instance to stop accepting, drain open connections (up to shutdown_timeout)
and exit (POST /stop).

  -c, --config FILE     read the control address (and control_token) from FILE
  -u, --url URL         the control endpoint, e.g. http://127.0.0.1:8837

${SHARED}`,
  proxy: `Usage: wmproxy proxy [-b ADDR] [--user U --pass P] [--flag "http https socks5"] [flags]
       wmproxy proxy -S ADDR [--ts [--domain D] [--ca FILE]] [--user U --pass P] [flags]
       wmproxy proxy -b ADDR [--tc [--cert F --key F]] [--map-tcp-bind ADDR] ... [flags]

Runs a forward proxy speaking HTTP, HTTPS (CONNECT) and SOCKS5 on one port, without a config
file. Binding a non-loopback address without credentials makes an open proxy: it warns loudly.
With -S it is a tunnel client instead; with --tc, --cert, --key, --map-http-bind,
--map-https-bind or --map-tcp-bind a tunnel server, whose -b is where tunnel clients connect
(see docs/tunnel.md).

  -b, --bind ADDR       address to listen on (default ${DEFAULTS.proxy_bind_addr})
  --user U, --pass P    require these credentials (HTTP Basic / SOCKS5 username+password;
                        a tunnel's credentials)
  --flag "..."          protocols: any of http, https, socks5 (default all three)

Tunnel client:
  -S, --server ADDR     the tunnel server to connect to (repeatable: one session to each)
  --ts                  connect over TLS
  --domain NAME         the name the server's certificate must carry (default: the host of -S)
  --ca FILE             trust this CA or the server's own certificate (PEM)

Tunnel server:
  --tc                  accept tunnel clients over TLS
  --cert F, --key F     its certificate and key (PEM; default: a self-signed pair kept in the
                        working directory)
  --map-http-bind ADDR  the clients' http mappings, by Host
  --map-https-bind ADDR the clients' https mappings, by SNI (with --map-cert F --map-key F)
  --map-tcp-bind ADDR   the clients' tcp mapping

${SHARED}`,
  "reverse-proxy": `Usage: wmproxy reverse-proxy -f FROM -t TO [-H RULE]... [flags]

Runs a reverse proxy without a config file: every request to FROM goes to TO.

  -f, --from ADDR       address to listen on, e.g. 127.0.0.1:8088
  -t, --to TARGET       host:port, http://host:port or https://host:port of the server behind it
  -H, --header RULE     a header rule in wmproxy syntax, repeatable:
                        "proxy NAME VALUE", "+ NAME VALUE", "- NAME", "NAME VALUE"
  --ws                  pass WebSocket upgrades through to TO (is_ws)
  --tls                 the target speaks HTTPS (as wmproxy's --tls); its certificate is checked
                        against Deno's roots plus the CA file in DENO_CERT
  --access-log FILE     write an access line per request to FILE (wmproxy's "main" format)

${SHARED}`,
  "file-server": `Usage: wmproxy file-server [-r ROOT] [-l ADDR]... [flags]

Serves the files below ROOT without a config file (checked as one [http] server with one
file_server location on "/", served by Deno.serve; HTTP/2 over TLS): index files, ETag/304,
ranges, precompressed .br/.gz siblings.

  -r, --root DIR          directory served (default: the working directory)
  -l, --listen ADDR       address to listen on, repeatable (default 127.0.0.1:8869)
  --listen-ssl ADDR       also serve HTTPS (HTTP/2 or 1.1) on ADDR (repeatable), with
                          --cert F --key F (PEM)
  -d, --domain NAME       answer only this host name
  -b, --browse            list directories that have no index.html
  --robots TEXT           answer /robots.txt with TEXT
  --path404 FILE          send FILE (status 404) when nothing is found
  -c, --cache-time DUR    Cache-Control max-age, e.g. 3600 or "1h"
  -e, --ext-mimetype E=M  content type M for extension E, repeatable (md=text/markdown)
  --cors                  send Access-Control-Allow-Origin: *
  -H, --header RULE       a header rule in wmproxy syntax, repeatable ("+ X-By wmproxy")
  --access-log "FILE [LEVEL]"
                          one line per request to FILE

${SHARED}`,
  "ws-proxy": `Usage: wmproxy ws-proxy -f FROM -t TO --mode MODE [--domain D] [flags]

Bridges WebSocket and TCP without a config file.

  -f, --from ADDR       address to listen on, e.g. 127.0.0.1:8869
  -t, --to TARGET       where connections go: host:port, tcp://host:port (ws2tcp), or a
                        ws:// or wss:// URL (tcp2ws, tcp2wss)
  --mode MODE           ws2tcp: accept WebSocket, connect TCP;
                        tcp2ws / tcp2wss: accept TCP, connect ws:// / wss://
  --domain D            Host sent when a ws:// target is an IP address

${SHARED}`,
  version: `Usage: wmproxy version

Prints the version.`,
};

/** The help text of a verb. */
export function helpText(verb: Verb): string {
  return TEXT[verb];
}
