import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../lib/config/duration.ts";

Deno.test("parseDuration() reads strings with a unit as seconds", () => {
  assert.equal(parseDuration("10s"), 10);
  assert.equal(parseDuration("5m"), 300);
  assert.equal(parseDuration("500ms"), 0.5);
  assert.equal(parseDuration("5min"), 300);
  assert.equal(parseDuration("3sec"), 3);
  assert.equal(parseDuration("2h"), 7200);
  assert.equal(parseDuration("1d"), 86400);
  assert.equal(parseDuration("1.5s"), 1.5);
  assert.equal(parseDuration("0s"), 0);
});

Deno.test("parseDuration() reads numbers and unitless strings as seconds", () => {
  assert.equal(parseDuration(30), 30);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(2.5), 2.5);
  assert.equal(parseDuration("30"), 30);
});

Deno.test("parseDuration() tolerates spaces around and before the unit", () => {
  assert.equal(parseDuration(" 10s "), 10);
  assert.equal(parseDuration("10 s"), 10);
  assert.equal(parseDuration("250 ms"), 0.25);
});

Deno.test("parseDuration() returns undefined for anything that is not a duration", () => {
  const bad: unknown[] = [
    "",
    "s",
    "10 parsecs",
    "10x",
    "-5s",
    "1.5.2s",
    "10s5m",
    "ten seconds",
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    null,
    undefined,
    [10],
    { seconds: 10 },
  ];
  for (const value of bad) {
    assert.equal(parseDuration(value), undefined, `${JSON.stringify(value)} was accepted`);
  }
});

Deno.test("formatDuration() writes seconds, and milliseconds below one second", () => {
  assert.equal(formatDuration(30), "30s");
  assert.equal(formatDuration(1.5), "1.5s");
  assert.equal(formatDuration(0.5), "500ms");
  assert.equal(formatDuration(0.001), "1ms");
  assert.equal(formatDuration(0), "0s");
});

Deno.test("formatDuration() output parses back to the same seconds", () => {
  for (const seconds of [0, 0.25, 0.5, 1, 1.5, 30, 600, 86400]) {
    assert.equal(parseDuration(formatDuration(seconds)), seconds);
  }
});
