import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { listenerSpecs } from "../../lib/config/listeners.ts";
import { loadConfigText } from "../../lib/config/load.ts";
import { DEFAULTS } from "../../lib/config/schema.ts";

// Joins lines so expected line numbers can be read off the array index + 1.
function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

const SECTIONS = [
  "[proxy]",
  'bind_addr = "127.0.0.1:8090"',
  "[[http.server]]",
  'bind_addr = "127.0.0.1:8080"',
  "[[http.server]]",
  'bind_addr = "127.0.0.1:8080"',
  'server_name = "b"',
  "[[stream.server]]",
  'bind_addr = "127.0.0.1:9000"',
  'proxy_url = "tcp://127.0.0.1:7000"',
];

function limits(source: string): [string, number, boolean][] {
  return listenerSpecs(loadConfigText(source).config)
    .map((s) => [s.name, s.max_connections, s.max_connections_set]);
}

Deno.test("max_connections: default per listener, top-level inherited, a section's own wins, shared http address takes the smallest", () => {
  const d = DEFAULTS.max_connections;
  assert.equal(d, 10000);
  assert.deepEqual(limits(toml(...SECTIONS)), [
    ["proxy", d, false],
    ["http 127.0.0.1:8080", d, false],
    ["stream.server[0]", d, false],
  ]);
  assert.deepEqual(limits(toml("max_connections = 500", ...SECTIONS)), [
    ["proxy", 500, true],
    ["http 127.0.0.1:8080", 500, true],
    ["stream.server[0]", 500, true],
  ]);
  const own = toml(
    "max_connections = 500",
    ...SECTIONS.slice(0, 2),
    "max_connections = 7",
    ...SECTIONS.slice(2, 4),
    "max_connections = 40",
    ...SECTIONS.slice(4, 7),
    "max_connections = 30",
    ...SECTIONS.slice(7),
    "max_connections = 3",
  );
  assert.deepEqual(limits(own), [
    ["proxy", 7, true],
    ["http 127.0.0.1:8080", 30, true],
    ["stream.server[0]", 3, true],
  ]);
});

Deno.test("max_connections: a change shows in the listener fingerprint (a reload applies it)", () => {
  const [a] = listenerSpecs(loadConfigText(toml("max_connections = 5", ...SECTIONS)).config);
  const [b] = listenerSpecs(loadConfigText(toml("max_connections = 6", ...SECTIONS)).config);
  assert.notEqual(a.fingerprint, b.fingerprint);
});

Deno.test("max_connections: bad values name the key path and line; udp gets a warning", () => {
  try {
    loadConfigText(toml(
      "max_connections = 0",
      ...SECTIONS.slice(0, 2),
      'max_connections = "many"',
      ...SECTIONS.slice(2, 4),
      "max_connections = 1.5",
    ));
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    assert.deepEqual(e.errors.map((x) => x.message), [
      "max_connections: 0 is out of range, expected a whole number from 1 to 10000000 (line 1)",
      'proxy.max_connections: "many" is not a whole number, expected a whole number from 1 to 10000000 (line 4)',
      "http.server[0].max_connections: 1.5 is not a whole number, expected a whole number from 1 to 10000000 (line 7)",
    ]);
  }
  const { warnings } = loadConfigText(toml(
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'bind_mode = "udp"',
    'proxy_url = "udp://127.0.0.1:53"',
    "max_connections = 3",
  ));
  assert.deepEqual(warnings, [
    'stream.server[0].max_connections: does not apply to bind_mode = "udp" (see max_sessions) (line 5)',
  ]);
});
