import assert from "node:assert/strict";
import { RoundRobinSelector } from "../../lib/balancer/round_robin.ts";
import type { Weighted } from "../../lib/balancer/selector.ts";

function servers(...weights: number[]): Weighted[] {
  return weights.map((weight, i) => ({ addr: `127.0.0.1:${7000 + i}`, weight }));
}

// The addresses of `n` successive picks, as single letters a, b, c... by server index.
function picks(
  selector: RoundRobinSelector<Weighted>,
  n: number,
  exclude?: ReadonlySet<Weighted>,
  eligible?: (s: Weighted) => boolean,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = selector.next(exclude, eligible);
    assert.ok(s, `pick ${i} returned undefined`);
    out.push(String.fromCharCode(97 + selector.servers.indexOf(s)));
  }
  return out;
}

function counts(seq: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of seq) out[x] = (out[x] ?? 0) + 1;
  return out;
}

Deno.test("RoundRobinSelector picks each server weight times in every window of sum(weights)", () => {
  for (const weights of [[5, 1, 1], [3, 2], [100, 100, 100], [7, 3, 1, 4], [1]]) {
    const sel = new RoundRobinSelector(servers(...weights));
    const total = weights.reduce((a, b) => a + b, 0);
    const seq = picks(sel, total * 4);
    const expected = Object.fromEntries(weights.map((w, i) => [String.fromCharCode(97 + i), w]));
    // Any window of `total` consecutive picks, not only the aligned ones.
    for (let start = 0; start + total <= seq.length; start++) {
      assert.deepEqual(
        counts(seq.slice(start, start + total)),
        expected,
        `weights ${weights}, window at ${start}`,
      );
    }
  }
});

Deno.test("RoundRobinSelector spreads picks out as nginx's smooth round-robin does", () => {
  assert.deepEqual(picks(new RoundRobinSelector(servers(5, 1, 1)), 7), [
    "a",
    "a",
    "b",
    "a",
    "c",
    "a",
    "a",
  ]);
  assert.deepEqual(picks(new RoundRobinSelector(servers(2, 1)), 6), ["a", "b", "a", "a", "b", "a"]);
});

Deno.test("RoundRobinSelector with equal weights rotates strictly", () => {
  const seq = picks(new RoundRobinSelector(servers(100, 100, 100)), 9);
  assert.deepEqual(seq, ["a", "b", "c", "a", "b", "c", "a", "b", "c"]);
});

Deno.test("RoundRobinSelector interleaves a light server into every run of a heavy one", () => {
  // With weights 4 and 1, a light pick must come at least once in every 5.
  const seq = picks(new RoundRobinSelector(servers(4, 1)), 50).join("");
  assert.ok(!seq.includes("aaaaa"), seq);
  assert.ok(!seq.includes("bb"), seq);
});

Deno.test("RoundRobinSelector skips excluded servers and balances over the rest", () => {
  const list = servers(5, 1, 1);
  const sel = new RoundRobinSelector(list);
  const exclude = new Set([list[0]]);
  const seq = picks(sel, 10, exclude);
  assert.deepEqual(counts(seq), { b: 5, c: 5 });
  assert.ok(!seq.join("").includes("bb") && !seq.join("").includes("cc"), seq.join(""));
});

Deno.test("RoundRobinSelector honours the eligible predicate", () => {
  const list = servers(1, 2, 3);
  const sel = new RoundRobinSelector(list);
  const seq = picks(sel, 6, undefined, (s) => s.addr !== "127.0.0.1:7002");
  // Only a (weight 1) and b (weight 2) are eligible.
  assert.deepEqual(counts(seq), { a: 2, b: 4 });
});

Deno.test("RoundRobinSelector returns undefined when nothing is left to pick", () => {
  const list = servers(1, 1);
  const sel = new RoundRobinSelector(list);
  assert.equal(sel.next(new Set(list)), undefined);
  assert.equal(sel.next(undefined, () => false), undefined);
  assert.equal(new RoundRobinSelector<Weighted>([]).next(), undefined);
  // A pick that found nothing does not disturb the rotation that follows.
  assert.deepEqual(picks(sel, 4), ["a", "b", "a", "b"]);
});

Deno.test("RoundRobinSelector gives a retry the next server when the first is excluded", () => {
  const list = servers(1, 1, 1);
  const sel = new RoundRobinSelector(list);
  const first = sel.next()!;
  const retry = sel.next(new Set([first]))!;
  assert.equal(first, list[0]);
  assert.notEqual(retry, first);
  assert.equal(retry, list[1]);
});
