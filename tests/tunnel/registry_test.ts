import assert from "node:assert/strict";
import { MappingRegistry } from "../../lib/tunnel/server/registry.ts";
import type { MappingOffer } from "../../lib/tunnel/protocol/messages.ts";

const web: MappingOffer = { name: "web", mode: "http", domains: ["app.test"] };
const wild: MappingOffer = { name: "any", mode: "http", domains: ["*.test"] };
const ssh: MappingOffer = { name: "ssh", mode: "tcp", domains: [], remoteBind: "0.0.0.0:6022" };

Deno.test("registry: exact host, then the longest wildcard, then a catch-all", () => {
  const r = new MappingRegistry<string>();
  r.set("a", [web, wild, { name: "deep", mode: "http", domains: ["*.x.test"] }]);
  r.set("b", [{ name: "all", mode: "http", domains: [] }]);
  assert.deepEqual(r.forHost("http", "APP.test:8001"), { session: "a", mapping: "web" });
  assert.deepEqual(r.forHost("http", "y.x.test"), { session: "a", mapping: "deep" });
  assert.deepEqual(r.forHost("http", "other.test"), { session: "a", mapping: "any" });
  assert.deepEqual(r.forHost("http", "elsewhere.org"), { session: "b", mapping: "all" });
  assert.equal(r.forHost("https", "app.test"), null, "https is its own front");
});

Deno.test("registry: sessions sharing a route take turns; one leaving fails over", () => {
  const r = new MappingRegistry<string>();
  r.set("a", [web, ssh]);
  r.set("b", [web]);
  const seen = [1, 2, 3, 4].map(() => r.forHost("http", "app.test")?.session);
  assert.deepEqual(seen, ["a", "b", "a", "b"]);
  r.remove("a");
  assert.deepEqual([1, 2].map(() => r.forHost("http", "app.test")?.session), ["b", "b"]);
  assert.equal(r.forTcp("0.0.0.0:6022"), null, "a's tcp route left with it");
  r.remove("b");
  assert.equal(r.forHost("http", "app.test"), null);
  assert.deepEqual(r.report(), []);
});

Deno.test("registry: set replaces a session's mappings (a client reload)", () => {
  const r = new MappingRegistry<string>();
  r.set("a", [web, ssh]);
  assert.deepEqual(r.tcpBinds(), ["0.0.0.0:6022"]);
  r.set("a", [{ name: "p", mode: "proxy", domains: [] }]);
  assert.equal(r.forHost("http", "app.test"), null);
  assert.deepEqual(r.tcpBinds(), []);
  assert.deepEqual(r.forProxy(), { session: "a", mapping: "p" });
  assert.deepEqual(r.report(), [{ route: "proxy", sessions: 1 }]);
});

Deno.test("registry: a tcp mapping without remote_bind takes the server's map_tcp_bind", () => {
  const r = new MappingRegistry<string>();
  r.set("a", [{ name: "tcp", mode: "tcp", domains: [] }]);
  assert.deepEqual(r.forTcp("default"), { session: "a", mapping: "tcp" });
});
