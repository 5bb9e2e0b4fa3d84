import assert from "node:assert/strict";
import { renderExposition } from "../../lib/metrics/exposition.ts";
import { familyOf, mergeSnapshots, Registry } from "../../lib/metrics/registry.ts";
import { parseScrape, promtoolCheck } from "../_support/metrics.ts";

function sample(): Registry {
  const r = new Registry();
  r.counter("t_requests_total", "Requests", ["path"]).labels('a"b\\c\nd').inc(2);
  const h = r.histogram("t_seconds", "Durations", ["kind"], [0.1, 1]);
  h.labels("x").observe(0.05);
  h.labels("x").observe(0.5);
  h.labels("x").observe(7);
  r.gauge("t_empty", "Never set", ["k"]);
  return r;
}

Deno.test("renderExposition() writes cumulative buckets and escaped labels that promtool accepts", async () => {
  const text = renderExposition(sample().snapshot());
  await promtoolCheck(text);
  assert.ok(!text.includes("t_empty"), "a family without series is left out");
  const m = parseScrape(text);
  assert.equal(m.value("t_requests_total", { path: 'a"b\\c\nd' }), 2);
  assert.equal(m.value("t_seconds_bucket", { kind: "x", le: "0.1" }), 1);
  assert.equal(m.value("t_seconds_bucket", { kind: "x", le: "1" }), 2);
  assert.equal(m.value("t_seconds_bucket", { kind: "x", le: "+Inf" }), 3);
  assert.equal(m.value("t_seconds_count", { kind: "x" }), 3);
  assert.equal(m.value("t_seconds_sum", { kind: "x" }), 7.55);
});

Deno.test("mergeSnapshots() sums counters and histogram buckets of the same labels", () => {
  const a = sample().snapshot();
  const b = sample().snapshot();
  const m = parseScrape(renderExposition(mergeSnapshots([a, b, []])));
  assert.equal(m.value("t_requests_total", { path: 'a"b\\c\nd' }), 4);
  assert.equal(m.value("t_seconds_bucket", { kind: "x", le: "1" }), 4);
  assert.equal(m.value("t_seconds_count", { kind: "x" }), 6);
  // The inputs are not changed.
  assert.equal(parseScrape(renderExposition(a)).value("t_seconds_count", { kind: "x" }), 3);
});

Deno.test("mergeSnapshots() takes the smallest value of a `min` family (upstream up in every worker)", () => {
  const up = (a: number, b: number) => [
    familyOf("t_up", "Up", "gauge", [
      { labels: 's="a"', value: a },
      { labels: 's="b"', value: b },
    ], "min"),
  ];
  const m = parseScrape(renderExposition(mergeSnapshots([up(1, 1), up(1, 0), up(1, 1)])));
  assert.equal(m.value("t_up", { s: "a" }), 1);
  assert.equal(m.value("t_up", { s: "b" }), 0);
});
