import assert from "node:assert/strict";
import { closeTurns, openTurns, takeTurn, TURN_BUDGET } from "../../lib/net/turns.ts";
import { startServer } from "../_support/origins.ts";

/** Spends `n` units that go on at once; fails if one has to wait. */
function spendFree(n: number): void {
  for (let i = 0; i < n; i++) assert.equal(takeTurn(), undefined, `unit ${i} waited`);
}

Deno.test("turns: without openTurns nothing ever waits", () => {
  spendFree(TURN_BUDGET * 10);
});

Deno.test("turns: after the budget callers wait for the next poll, then a new round starts", async () => {
  assert.ok(await openTurns());
  try {
    // Finish whatever round earlier units started.
    let wait: Promise<void> | undefined;
    while ((wait = takeTurn()) === undefined);
    await wait;
    spendFree(TURN_BUDGET);
    const order: number[] = [];
    const first = takeTurn();
    const second = takeTurn();
    assert.ok(first instanceof Promise && second instanceof Promise);
    void first.then(() => order.push(1));
    void second.then(() => order.push(2));
    await Promise.all([first, second]);
    assert.deepEqual(order, [1, 2], "waiters go on in the order they came");
    spendFree(TURN_BUDGET);
  } finally {
    closeTurns();
  }
});

Deno.test("turns: closing releases every waiter", async () => {
  assert.ok(await openTurns());
  let wait: Promise<void> | undefined;
  while ((wait = takeTurn()) === undefined);
  closeTurns();
  await wait;
  spendFree(TURN_BUDGET * 2);
});

// A loop whose every step is ready at once (as a connection whose reads keep completing
// immediately) never lets the runtime poll for other sockets. With turns, a read that waits
// for a socket completes within a round or two of the greedy loop's steps.
Deno.test("turns: a loop that is always ready does not starve a socket read", async () => {
  const server = startServer(async (conn) => {
    await conn.write(new Uint8Array([7]));
    await conn.read(new Uint8Array(1));
    conn.close();
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  assert.ok(await openTurns());
  try {
    let done = false;
    const read = conn.read(new Uint8Array(1)).then((n) => {
      done = true;
      return n;
    });
    read.catch(() => {}); // closed in `finally` when the assertion below fails
    let steps = 0;
    const limit = TURN_BUDGET * 1000;
    while (!done && steps < limit) {
      steps++;
      await Promise.resolve();
      const wait = takeTurn();
      if (wait !== undefined) await wait;
    }
    assert.ok(done, `the socket read was starved for ${limit} steps`);
    assert.equal(await read, 1);
    assert.ok(steps <= TURN_BUDGET * 8, `the read waited ${steps} steps`);
  } finally {
    closeTurns();
    conn.close();
    await server.close();
  }
});
