import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { routes } from "../cases/reverse/fleet.ts";
import { BODY_1K, BODY_64K } from "../cases/reverse/names.ts";
import {
  churnWarning,
  connectionsPerThousand,
  measuresFloor,
  type Sample,
  warning,
  workloadLabel,
  WORKLOADS,
} from "../cases/reverse/wrk_rows.ts";
import type { WrkResult } from "../lib/wrk.ts";
import { nginxConfig, parseStubStatusAccepts, STATUS_PATH } from "../servers/nginx.ts";
import { nginxReverseConfig } from "../servers/nginx_reverse.ts";
import { wmproxyReverseConfig } from "../servers/wmproxy.ts";

const ROUTES = routes({ single: 9001, pair: 9002 }, [8001, 8002]);

function sample(result: Partial<WrkResult>, upstreamConnections = 0): Sample {
  return {
    result: {
      rps: 1000,
      requests: 10_000,
      latencyMs: {},
      socketErrors: 0,
      socketErrorsByKind: { connect: 0, read: 0, write: 0, timeout: 0 },
      non2xx: 0,
      ...result,
    },
    cpuSeconds: null,
    wallSeconds: 1,
    upstreamConnections,
  };
}

Deno.test("routes() puts one origin behind `origin` and both behind `pair`", () => {
  assert.deepEqual(ROUTES, [
    { name: "origin", listenPort: 9001, upstreamPorts: [8001] },
    { name: "pair", listenPort: 9002, upstreamPorts: [8001, 8002] },
  ]);
});

Deno.test("wmproxyReverseConfig() writes one upstream and one server per route", () => {
  // smol-toml builds null-prototype objects; compare plain ones.
  const toml = JSON.parse(JSON.stringify(parse(wmproxyReverseConfig(ROUTES))));
  assert.deepEqual(toml, {
    http: {
      upstream: [
        { name: "origin", server: [{ addr: "127.0.0.1:8001" }] },
        { name: "pair", server: [{ addr: "127.0.0.1:8001" }, { addr: "127.0.0.1:8002" }] },
      ],
      server: [
        { bind_addr: "127.0.0.1:9001", location: [{ rule: "/", proxy_url: "http://origin" }] },
        { bind_addr: "127.0.0.1:9002", location: [{ rule: "/", proxy_url: "http://pair" }] },
      ],
    },
  });
});

Deno.test("nginxReverseConfig() keeps upstream connections alive", () => {
  const conf = nginxReverseConfig("/tmp/x", ROUTES);
  assert.match(
    conf,
    /upstream pair \{\n\s+server 127\.0\.0\.1:8001;\n\s+server 127\.0\.0\.1:8002;/,
  );
  assert.equal(conf.match(/keepalive 256;/g)?.length, 2);
  assert.match(
    conf,
    /listen 127\.0\.0\.1:9001;\n\s+location \/ \{\n\s+proxy_pass http:\/\/origin;/,
  );
  assert.equal(conf.match(/proxy_http_version 1\.1;/g)?.length, 2);
  assert.equal(conf.match(/proxy_set_header Connection "";/g)?.length, 2);
  assert.match(conf, /worker_processes 1;/);
  assert.match(conf, /access_log off;/);
});

Deno.test("nginxConfig() serves sized bodies inline or from a file, and stub_status", () => {
  const conf = nginxConfig("/tmp/o", 8001, { bodies: [BODY_1K, BODY_64K], stubStatus: true });
  const inline = /location = \/1k \{[^}]*return 200 "(x*)";/.exec(conf);
  assert.equal(inline?.[1].length, 1024);
  assert.match(conf, /location = \/64k \{\n\s+alias \/tmp\/o\/body_64k;[^}]*sendfile on;/);
  assert.match(conf, new RegExp(`location = ${STATUS_PATH} \\{\\n\\s+stub_status;`));
  assert.doesNotMatch(nginxConfig("/tmp/o", 8001), /stub_status|location = \/1k/);
});

Deno.test("parseStubStatusAccepts() reads the accepts counter", () => {
  const page = "Active connections: 3 \nserver accepts handled requests\n 17 17 4242 \n" +
    "Reading: 0 Writing: 1 Waiting: 2 \n";
  assert.equal(parseStubStatusAccepts(page), 17);
  assert.throws(() => parseStubStatusAccepts("<html>404</html>"), /no stub_status counters/);
});

Deno.test("connectionsPerThousand() and churnWarning() judge upstream reuse", () => {
  assert.equal(connectionsPerThousand(sample({}, 50)), 5);
  assert.equal(churnWarning(sample({}, 100)), undefined);
  assert.match(churnWarning(sample({}, 101)) ?? "", /idle connections kept per server, 256/);
});

Deno.test("warning() lists socket errors and non-2xx answers", () => {
  assert.equal(warning(sample({})), undefined);
  const kinds = { connect: 1, read: 2, write: 0, timeout: 3 };
  assert.equal(
    warning(sample({ socketErrors: 6, socketErrorsByKind: kinds, non2xx: 4 })),
    "wrk saw socket errors (connect 1, read 2, write 0, timeout 3) and 4 non-2xx answers in a run",
  );
});

Deno.test("workloadLabel() names origins, size, load and path", () => {
  assert.equal(
    workloadLabel({ connections: 200, body: BODY_64K, pair: false }, 10),
    "1 origin, 64 KiB: wrk -t1 -c200 -d10s GET /64k",
  );
  assert.equal(
    workloadLabel({ connections: 50, body: BODY_1K, pair: true }, 5),
    "2 origins round robin, 1 KiB: wrk -t1 -c50 -d5s GET /1k",
  );
});

Deno.test("WORKLOADS run the floor relay at -c50, -c200 and -c1000 with 1 KiB through one origin", () => {
  const floor = WORKLOADS.filter(measuresFloor);
  assert.deepEqual(floor.map((w) => w.connections), [50, 200, 1000]);
  assert.ok(floor.every((w) => w.body === BODY_1K && !w.pair));
  assert.equal(measuresFloor({ connections: 50, body: BODY_64K, pair: false }), false);
  assert.equal(measuresFloor({ connections: 50, body: BODY_1K, pair: true }), false);
});
