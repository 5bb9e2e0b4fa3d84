import assert from "node:assert/strict";
import { diffListeners, listenerKind, listenerSpecs } from "../../lib/config/listeners.ts";
import { loadConfigText } from "../../lib/config/load.ts";
import type { Config } from "../../lib/config/schema.ts";

interface ServerOptions {
  bind: string;
  target?: string;
  extra?: string;
}

// A config with one upstream "echo" at `upstream` and one [[stream.server]] per entry.
function config(servers: ServerOptions[], upstream = "127.0.0.1:7000"): Config {
  const lines = ["[[stream.upstream]]", 'name = "echo"', `server = [{ addr = "${upstream}" }]`];
  for (const s of servers) {
    lines.push("[[stream.server]]", `bind_addr = "${s.bind}"`);
    lines.push(s.target ? `proxy_url = "${s.target}"` : 'up_name = "echo"');
    if (s.extra) lines.push(s.extra);
  }
  return loadConfigText(lines.join("\n") + "\n").config;
}

Deno.test("listenerSpecs() lists one tcp listener per stream server, in config order", () => {
  const specs = listenerSpecs(config([
    { bind: "127.0.0.1:9000" },
    { bind: "[::1]:9001", target: "tcp://127.0.0.1:8082" },
    { bind: "0.0.0.0:9002" },
  ]));
  assert.deepEqual(
    specs.map((s) => [s.key, s.name, s.transport, s.kind, s.hostname, s.port]),
    [
      ["tcp 127.0.0.1:9000", "stream.server[0]", "tcp", "stream", "127.0.0.1", 9000],
      ["tcp [::1]:9001", "stream.server[1]", "tcp", "stream", "::1", 9001],
      ["tcp 0.0.0.0:9002", "stream.server[2]", "tcp", "stream", "0.0.0.0", 9002],
    ],
  );
  const second = specs[1];
  assert.ok(second.kind === "stream");
  assert.equal(second.settings.upstream.server[0].addr, "127.0.0.1:8082");
});

Deno.test("listenerSpecs() of a config without servers is empty", () => {
  assert.deepEqual(listenerSpecs(config([])), []);
});

Deno.test("listenerSpecs() gives equal fingerprints to equal settings from separate loads", () => {
  const a = listenerSpecs(config([{ bind: "127.0.0.1:9000" }]));
  const b = listenerSpecs(config([{ bind: "127.0.0.1:9000" }]));
  assert.notEqual(a[0].settings, b[0].settings);
  assert.equal(a[0].fingerprint, b[0].fingerprint);
});

Deno.test("diffListeners() sorts keys into added, removed, changed and unchanged", () => {
  const before = listenerSpecs(config([
    { bind: "127.0.0.1:9000" },
    { bind: "127.0.0.1:9001" },
    { bind: "127.0.0.1:9002" },
  ]));
  const after = listenerSpecs(config([
    { bind: "127.0.0.1:9000" },
    { bind: "127.0.0.1:9002", extra: 'timeout = "5s"' },
    { bind: "127.0.0.1:9003" },
  ]));
  assert.deepEqual(diffListeners(before, after), {
    added: ["tcp 127.0.0.1:9003"],
    removed: ["tcp 127.0.0.1:9001"],
    changed: ["tcp 127.0.0.1:9002"],
    unchanged: ["tcp 127.0.0.1:9000"],
  });
});

Deno.test("diffListeners() counts a changed upstream as a changed listener", () => {
  const before = listenerSpecs(config([{ bind: "127.0.0.1:9000" }], "127.0.0.1:7000"));
  const after = listenerSpecs(config([{ bind: "127.0.0.1:9000" }], "127.0.0.1:7001"));
  assert.deepEqual(diffListeners(before, after).changed, ["tcp 127.0.0.1:9000"]);
  const same = listenerSpecs(config([{ bind: "127.0.0.1:9000" }], "127.0.0.1:7000"));
  assert.deepEqual(diffListeners(before, same).unchanged, ["tcp 127.0.0.1:9000"]);
});

Deno.test("diffListeners() counts a switch from up_name to proxy_url as a change", () => {
  const before = listenerSpecs(config([{ bind: "127.0.0.1:9000" }]));
  const after = listenerSpecs(config([
    { bind: "127.0.0.1:9000", target: "tcp://127.0.0.1:7000" },
  ]));
  assert.deepEqual(diffListeners(before, after), {
    added: [],
    removed: [],
    changed: ["tcp 127.0.0.1:9000"],
    unchanged: [],
  });
});

Deno.test("diffListeners() from and to nothing adds or removes everything", () => {
  const specs = listenerSpecs(config([{ bind: "127.0.0.1:9000" }, { bind: "127.0.0.1:9001" }]));
  const keys = ["tcp 127.0.0.1:9000", "tcp 127.0.0.1:9001"];
  assert.deepEqual(diffListeners([], specs), {
    added: keys,
    removed: [],
    changed: [],
    unchanged: [],
  });
  assert.deepEqual(diffListeners(specs, []), {
    added: [],
    removed: keys,
    changed: [],
    unchanged: [],
  });
  assert.deepEqual(diffListeners(specs, specs), {
    added: [],
    removed: [],
    changed: [],
    unchanged: keys,
  });
});

Deno.test("listenerSpecs() puts [proxy] first, keyed as a tcp listener", () => {
  const { config: c } = loadConfigText(
    '[proxy]\nbind_addr = "127.0.0.1:8090"\nflag = "socks5 http"\n' +
      '[[stream.server]]\nbind_addr = "127.0.0.1:9000"\nproxy_url = "tcp://127.0.0.1:1"\n',
  );
  const specs = listenerSpecs(c);
  assert.deepEqual(specs.map((s) => [s.key, s.name, s.kind, listenerKind(s)]), [
    ["tcp 127.0.0.1:8090", "proxy", "proxy", "proxy"],
    ["tcp 127.0.0.1:9000", "stream.server[0]", "stream", "stream/tcp"],
  ]);
  const proxy = specs[0];
  assert.ok(proxy.kind === "proxy");
  assert.deepEqual(proxy.settings.flag, ["http", "socks5"]);
});
