import assert from "node:assert/strict";
import { decideOffers, type OfferPolicy } from "../../lib/tunnel/server/offers.ts";

const policy: OfferPolicy = {
  fronts: { http: true, https: false, tcp: false, proxy: true },
  allowPorts: [{ low: 6000, high: 7000 }, { low: 8022, high: 8022 }],
};

Deno.test("offers: fronts and allow_ports decide; refusals say why", () => {
  const d = decideOffers([
    { name: "web", mode: "http", domains: ["a.test"] },
    { name: "secure", mode: "https", domains: ["a.test"] },
    { name: "ssh", mode: "tcp", domains: [], remoteBind: "0.0.0.0:8022" },
    { name: "db", mode: "tcp", domains: [], remoteBind: "0.0.0.0:5432" },
    { name: "plain", mode: "tcp", domains: [] },
    { name: "bad", mode: "tcp", domains: [], remoteBind: "nowhere" },
    { name: "egress", mode: "proxy", domains: [] },
  ], policy);
  assert.deepEqual(d.accepted.map((o) => o.name), ["web", "ssh", "egress"]);
  assert.deepEqual(d.refused, [
    { name: "secure", reason: "this server has no map_https_bind" },
    { name: "db", reason: "port 5432 is not in this server's allow_ports" },
    { name: "plain", reason: "this server has no map_tcp_bind (name a remote_bind)" },
    { name: "bad", reason: 'remote_bind "nowhere" is not host:port' },
  ]);
});

Deno.test("offers: no allow_ports means no remote_bind at all", () => {
  const d = decideOffers(
    [{ name: "ssh", mode: "tcp", domains: [], remoteBind: "127.0.0.1:6001" }],
    { ...policy, allowPorts: [] },
  );
  assert.equal(d.accepted.length, 0);
  assert.match(d.refused[0].reason, /allow_ports/);
});
