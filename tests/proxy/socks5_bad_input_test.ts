import assert from "node:assert/strict";
import { concat } from "../_support/bytes.ts";
import { encodeGreeting, encodeRequest, Socks5Reply } from "../../lib/proxy/socks5/codec.ts";
import type { ForwardProxyOptions } from "../../lib/proxy/types.ts";
import { curl } from "../_support/curl.ts";
import { closeQuietly, readToEnd } from "../_support/io.ts";
import { captureLogs, type LogCapture, messageOf } from "../_support/logs.ts";
import { type Socks5TestProxy, startHttpBackend, startSocks5Proxy } from "./socks5_harness.ts";

/** Deterministic pseudo-random bytes (a failing run can be replayed). */
function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function bytes(...list: number[]): Uint8Array {
  return Uint8Array.from(list);
}

/** Connects, sends `payload` (then half-closes when `close`), returns all it gets until the end. */
async function send(proxy: Socks5TestProxy, payload: Uint8Array, close: boolean) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await conn.write(payload);
    if (close) await conn.closeWrite();
    return await readToEnd(conn);
  } finally {
    closeQuietly(conn);
  }
}

/** Writes `payload` one byte every `intervalMs` until the proxy closes; what it answered. */
async function drip(proxy: Socks5TestProxy, payload: Uint8Array, intervalMs: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    let ended = false;
    const answer = readToEnd(conn).finally(() => ended = true);
    for (const b of payload) {
      if (ended) break;
      try {
        await conn.write(bytes(b));
      } catch {
        break; // closed by the proxy
      }
      // the client's pace, not a synchronisation: the answer promise ends the wait early
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        answer,
        new Promise((resolve) => timer = setTimeout(resolve, intervalMs)),
      ]);
      clearTimeout(timer);
    }
    return await answer;
  } finally {
    closeQuietly(conn);
  }
}

/**
 * Runs one bad client against a fresh proxy: checks the answer, that the connection was
 * closed with exactly one warning (no stack), then that a good curl request still succeeds.
 */
async function badThenGood(
  options: Partial<ForwardProxyOptions>,
  client: (proxy: Socks5TestProxy) => Promise<Uint8Array>,
  expected: { answer: number[] | ((a: Uint8Array) => boolean); log: RegExp },
): Promise<void> {
  const logs: LogCapture = await captureLogs();
  const backend = startHttpBackend();
  const proxy = startSocks5Proxy(options);
  try {
    const answer = await client(proxy);
    if (typeof expected.answer === "function") {
      assert.ok(expected.answer(answer), `unexpected answer ${[...answer]}`);
    } else {
      assert.deepEqual([...answer], expected.answer);
    }
    await proxy.settled();
    const id = proxy.lastId();
    const lines = logs.problems(id);
    assert.equal(lines.length, 1, `one log line: ${lines.map(messageOf)}`);
    assert.equal(lines[0].level, "warning");
    assert.match(messageOf(lines[0]), expected.log);
    for (const value of Object.values(lines[0].properties)) {
      assert.ok(!(value instanceof Error), "no error object, so no stack trace");
    }
    const res = await curl([
      "--socks5",
      `127.0.0.1:${proxy.port}`,
      `http://127.0.0.1:${backend.port}/`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, "hello from 127.0.0.1");
  } finally {
    await proxy.close();
    await backend.close();
    await logs.stop();
  }
}

const GREETING = encodeGreeting([0x00]);
const CONNECT = encodeRequest(0x01, { hostname: "127.0.0.1", port: 9 });

Deno.test("handleSocks5 closes clients sending random bytes after 0x05, each with one log line", async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const payload = new Uint8Array(257);
    payload[0] = 0x05;
    payload.set(pseudoRandom(256, seed), 1);
    await badThenGood({}, (p) => send(p, payload, true), {
      // whatever the noise parsed as, at most a method selection and a reply came back
      answer: (a) => a.length <= 12,
      log: /^conn \d+ 127\.0\.0\.1:\d+: /,
    });
  }
});

Deno.test("handleSocks5 closes a truncated greeting with one log line", async () => {
  await badThenGood({}, (p) => send(p, bytes(0x05), true), {
    answer: [],
    log: /socks5: connection closed/,
  });
});

Deno.test("handleSocks5 closes a SOCKS4 greeting with one log line naming the version", async () => {
  const socks4 = bytes(0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0x75, 0x00);
  await badThenGood({}, (p) => send(p, socks4, true), {
    answer: [],
    log: /greeting has version 0x04 \(SOCKS4\)/,
  });
});

Deno.test("handleSocks5 closes a greeting announcing more methods than sent, at EOF", async () => {
  await badThenGood({}, (p) => send(p, bytes(0x05, 0x0a, 0x00), true), {
    answer: [],
    log: /connection closed after 1 of 10 bytes/,
  });
});

Deno.test("handleSocks5 closes a greeting announcing more methods than sent, after handshakeTimeout", async () => {
  await badThenGood({ handshakeTimeout: 500 }, (p) => send(p, bytes(0x05, 0x0a, 0x00), false), {
    answer: [],
    log: /handshake not complete within 500 ms/,
  });
});

Deno.test("handleSocks5 closes a client sending one byte per second after handshakeTimeout", async () => {
  const started = Date.now();
  await badThenGood({ handshakeTimeout: 500 }, (p) => drip(p, concat(GREETING, CONNECT), 1000), {
    answer: [],
    log: /handshake not complete within 500 ms/,
  });
  assert.ok(Date.now() - started < 5000, "closed long before the request could complete");
});

Deno.test("handleSocks5's handshakeTimeout bounds the whole handshake, not each read", async () => {
  // Every byte arrives well within the timeout of the previous one; the total does not.
  await badThenGood({ handshakeTimeout: 700 }, (p) => drip(p, concat(GREETING, CONNECT), 150), {
    // the greeting (3 bytes) may complete in time and be answered; the request cannot
    answer: (a) => a.length === 0 || (a.length === 2 && a[0] === 5 && a[1] === 0),
    log: /handshake not complete within 700 ms/,
  });
});

const REQUEST_CASES: [string, Uint8Array, number, RegExp][] = [
  [
    "a request whose reserved byte is not zero",
    bytes(0x05, 0x01, 0x01, 0x01, 127, 0, 0, 1, 0, 80),
    Socks5Reply.GENERAL_FAILURE,
    /reserved byte is 0x01/,
  ],
  [
    "an unknown command",
    bytes(0x05, 0x09, 0x00, 0x01, 127, 0, 0, 1, 0, 80),
    Socks5Reply.COMMAND_NOT_SUPPORTED,
    /unknown command 0x09/,
  ],
  [
    "a zero-length domain",
    bytes(0x05, 0x01, 0x00, 0x03, 0x00, 0, 80),
    Socks5Reply.GENERAL_FAILURE,
    /domain name is empty/,
  ],
  [
    "a request with version 4",
    bytes(0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80),
    Socks5Reply.GENERAL_FAILURE,
    /request has version 0x04/,
  ],
  [
    "an unknown address type",
    bytes(0x05, 0x01, 0x00, 0x07, 127, 0, 0, 1, 0, 80),
    Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED,
    /unknown address type 0x07/,
  ],
];

for (const [what, request, reply, log] of REQUEST_CASES) {
  Deno.test(`handleSocks5 answers ${what} with reply 0x0${reply} and closes`, async () => {
    await badThenGood({}, (p) => send(p, concat(GREETING, request), false), {
      answer: [0x05, 0x00, 0x05, reply, 0x00, 0x01, 0, 0, 0, 0, 0, 0],
      log,
    });
  });
}

Deno.test("handleSocks5 closes a request cut off in its address, without a reply", async () => {
  await badThenGood({}, (p) => send(p, concat(GREETING, CONNECT.subarray(0, 6)), true), {
    answer: [0x05, 0x00],
    log: /connection closed after 2 of 4 bytes/,
  });
});
