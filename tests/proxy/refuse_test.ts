import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { tcpPair } from "../_support/mux.ts";
import { closeQuietly, readExactly, readToEnd, writeAll } from "../_support/io.ts";
import { refuseProxyUser } from "../../lib/proxy/refuse.ts";
import {
  encodeGreeting,
  encodeRequest,
  encodeUserPass,
  Socks5Command,
  Socks5Method,
  Socks5Reply,
} from "../../lib/proxy/socks5/codec.ts";

const OPTIONS = {
  message: "nothing to reach",
  socks5Reply: Socks5Reply.NETWORK_UNREACHABLE,
  timeout: 5000,
};

Deno.test("refuseProxyUser() answers a request with a body 502 and reads on, so the user gets the answer", async () => {
  const [user, proxy] = await tcpPair();
  try {
    const refused = refuseProxyUser(proxy, OPTIONS);
    const body = "x".repeat(256 * 1024);
    await writeAll(
      user,
      `POST http://example.test/ HTTP/1.1\r\nHost: example.test\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    const answer = decoder.decode(await readToEnd(user));
    assert.match(answer, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.ok(answer.endsWith("\r\n\r\n502 Bad Gateway: nothing to reach\n"));
    closeQuietly(user);
    assert.equal(await refused, "http");
  } finally {
    closeQuietly(user);
  }
});

Deno.test("refuseProxyUser() answers CONNECT, a HEAD without a body, and a head over 64 KiB all 502", async () => {
  const heads = [
    "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
    "HEAD http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n",
    `GET http://example.test/ HTTP/1.1\r\nX-Big: ${"y".repeat(70_000)}\r\n\r\n`,
  ];
  for (const head of heads) {
    const [user, proxy] = await tcpPair();
    try {
      const refused = refuseProxyUser(proxy, OPTIONS);
      await writeAll(user, head);
      const answer = decoder.decode(await readToEnd(user));
      assert.match(answer, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
      assert.equal(answer.endsWith("nothing to reach\n"), !head.startsWith("HEAD"));
      closeQuietly(user);
      assert.equal(await refused, "http");
    } finally {
      closeQuietly(user);
    }
  }
});

Deno.test("refuseProxyUser() plays SOCKS5 to the request (no-auth or username/password) and replies its code", async () => {
  for (const method of [Socks5Method.NO_AUTH, Socks5Method.USER_PASS]) {
    const [user, proxy] = await tcpPair();
    try {
      const refused = refuseProxyUser(proxy, OPTIONS);
      await writeAll(user, encodeGreeting([method]));
      assert.deepEqual([...await readExactly(user, 2)], [0x05, method]);
      if (method === Socks5Method.USER_PASS) {
        await writeAll(user, encodeUserPass("anyone", "anything"));
        assert.deepEqual([...await readExactly(user, 2)], [0x01, 0x00]);
      }
      await writeAll(
        user,
        encodeRequest(Socks5Command.CONNECT, { hostname: "example.test", port: 443 }),
      );
      const reply = await readToEnd(user);
      assert.deepEqual([...reply.subarray(0, 4)], [0x05, 0x03, 0x00, 0x01]);
      assert.equal(reply.length, 10);
      closeQuietly(user);
      assert.equal(await refused, "socks5");
    } finally {
      closeQuietly(user);
    }
  }
});

Deno.test("refuseProxyUser() answers a SOCKS5 greeting without a usable method 0xff, and a silent user not at all", async () => {
  const [user, proxy] = await tcpPair();
  try {
    const refused = refuseProxyUser(proxy, OPTIONS);
    await writeAll(user, encodeGreeting([Socks5Method.GSSAPI]));
    assert.deepEqual([...await readToEnd(user)], [0x05, 0xff]);
    closeQuietly(user);
    assert.equal(await refused, "socks5");
  } finally {
    closeQuietly(user);
  }
  const [quiet, end] = await tcpPair();
  try {
    const refused = refuseProxyUser(end, { ...OPTIONS, timeout: 100 });
    assert.equal(await refused, "none");
    assert.equal((await readToEnd(quiet)).length, 0);
  } finally {
    closeQuietly(quiet);
  }
});
