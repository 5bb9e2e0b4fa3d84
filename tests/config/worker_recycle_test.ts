import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { loadConfigText } from "../../lib/config/load.ts";

// Joins lines so expected line numbers can be read off the array index + 1.
function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

Deno.test("worker_max_requests and worker_max_rss: off by default; a count and a size", () => {
  const none = loadConfigText(toml("workers = 2")).config;
  assert.equal(none.worker_max_requests, 0);
  assert.equal(none.worker_max_rss, 0);
  const set = loadConfigText(toml(
    "workers = 2",
    "worker_max_requests = 10000",
    'worker_max_rss = "512m"',
  ));
  assert.equal(set.config.worker_max_requests, 10000);
  assert.equal(set.config.worker_max_rss, 512 * 1024 * 1024);
  assert.deepEqual(set.warnings, []);
  assert.equal(
    loadConfigText(toml("workers = 2", "worker_max_rss = 67108864")).config.worker_max_rss,
    67108864,
  );
});

Deno.test("worker_max_requests and worker_max_rss: bad values name the key and line", () => {
  try {
    loadConfigText(toml(
      "workers = 2",
      "worker_max_requests = -1",
      'worker_max_rss = "lots"',
    ));
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    assert.deepEqual(e.errors.map((x) => x.message), [
      `worker_max_requests: -1 is out of range, expected a whole number from 0 to ${Number.MAX_SAFE_INTEGER} (line 2)`,
      'worker_max_rss: "lots" is not a size, expected bytes or a size like "512m", "1g" (line 3)',
    ]);
  }
  try {
    loadConfigText(toml("workers = 2", 'worker_max_rss = "1m"', "worker_max_requests = 1.5"));
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    assert.deepEqual(e.errors.map((x) => x.message), [
      "worker_max_requests: 1.5 is not a whole number, expected a whole number from 0 to " +
      `${Number.MAX_SAFE_INTEGER} (line 3)`,
      'worker_max_rss: "1m" is too small, expected 0 (off) or "32m" or more (line 2)',
    ]);
  }
});

Deno.test("worker_max_requests and worker_max_rss: a warning each without workers", () => {
  const { warnings } = loadConfigText(toml("worker_max_requests = 5", 'worker_max_rss = "64m"'));
  assert.deepEqual(warnings, [
    "worker_max_requests: only applies with workers > 1; ignored (line 1)",
    "worker_max_rss: only applies with workers > 1; ignored (line 2)",
  ]);
  // --workers 2 on the command line counts.
  const cli = loadConfigText(toml("worker_max_requests = 5"), { workers: 2 });
  assert.deepEqual(cli.warnings, []);
});
