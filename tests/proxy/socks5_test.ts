import assert from "node:assert/strict";
import { concat, decoder, encoder } from "../_support/bytes.ts";
import { CidrSet } from "../../lib/net/cidr.ts";
import { ByteReader } from "../../lib/net/byte_reader.ts";
import {
  encodeGreeting,
  encodeRequest,
  encodeUserPass,
  readMethodSelection,
  readReply,
  readUserPassStatus,
  Socks5Command,
  Socks5Method,
  Socks5Reply,
} from "../../lib/proxy/socks5/codec.ts";
import { curl } from "../_support/curl.ts";
import { closeQuietly, exchange, readToEnd } from "../_support/io.ts";
import { captureLogs, type LogCapture, messageOf } from "../_support/logs.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Socks5TestProxy, startHttpBackend, startSocks5Proxy } from "./socks5_harness.ts";

/** curl's exit code for a SOCKS failure (CURLE_PROXY). */
const CURL_PROXY_ERROR = 97;

/** A no-auth greeting followed by a request, as one write. */
function noAuthRequest(command: number, hostname: string, port: number): Uint8Array {
  return concat(encodeGreeting([Socks5Method.NO_AUTH]), encodeRequest(command, { hostname, port }));
}

/** Sends a no-auth request and returns the reply code; asserts the method was accepted. */
async function replyCode(proxy: Socks5TestProxy, request: Uint8Array): Promise<number> {
  const answer = await exchange(proxy.port, request, proxy.hostname);
  assert.deepEqual([...answer.subarray(0, 2)], [0x05, 0x00], "no-auth accepted");
  assert.equal(answer[2], 0x05, "reply version");
  assert.equal(answer.length, 12, "method selection, a reply with an IPv4 address, then the end");
  return answer[3];
}

/** Asserts connection `id` produced exactly one warning, matching `re`, without a stack trace. */
function assertOneWarning(logs: LogCapture, id: number, re: RegExp): void {
  const lines = logs.problems(id);
  assert.equal(lines.length, 1, `one log line for conn ${id}: ${lines.map(messageOf)}`);
  assert.equal(lines[0].level, "warning");
  assert.match(messageOf(lines[0]), re);
  for (const value of Object.values(lines[0].properties)) {
    assert.ok(!(value instanceof Error), "an expected failure logs no error object (no stack)");
  }
}

async function withProxy(
  options: Parameters<typeof startSocks5Proxy>[0],
  body: (proxy: Socks5TestProxy, logs: LogCapture) => Promise<void>,
  hostname = "127.0.0.1",
): Promise<void> {
  const logs = await captureLogs();
  const proxy = startSocks5Proxy(options, hostname);
  try {
    await body(proxy, logs);
    await proxy.settled();
    assert.equal(proxy.tracked(), 0, "every tracked upstream was untracked");
  } finally {
    await proxy.close();
    await logs.stop();
  }
}

Deno.test("handleSocks5 CONNECTs curl --socks5 to an IPv4 target and logs one debug line", async () => {
  const backend = startHttpBackend();
  try {
    await withProxy({}, async (proxy, logs) => {
      const url = `http://127.0.0.1:${backend.port}/`;
      const res = await curl(["--socks5", `127.0.0.1:${proxy.port}`, url]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "hello from 127.0.0.1");
      await proxy.settled();
      const id = proxy.lastId();
      assert.deepEqual(logs.problems(id), []);
      const debug = logs.records.filter((r) => r.properties.id === id && r.level === "debug");
      assert.equal(debug.length, 1);
      assert.match(messageOf(debug[0]), new RegExp(`CONNECT 127\\.0\\.0\\.1:${backend.port} via`));
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 resolves the name itself for curl --socks5-hostname", async () => {
  const backend = startHttpBackend("127.0.0.1");
  try {
    await withProxy({}, async (proxy, logs) => {
      const res = await curl([
        "--socks5-hostname",
        `127.0.0.1:${proxy.port}`,
        `http://localhost:${backend.port}/`,
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "hello from 127.0.0.1");
      await proxy.settled();
      const line = logs.records.find((r) => r.properties.id === proxy.lastId());
      assert.ok(line);
      assert.match(messageOf(line), new RegExp(`CONNECT localhost:${backend.port} `));
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 CONNECTs to an IPv6 target, from clients on IPv4 and IPv6", async () => {
  const backend = startHttpBackend("::1");
  try {
    const url = `http://[::1]:${backend.port}/`;
    await withProxy({}, async (proxy) => {
      const res = await curl(["--socks5", `127.0.0.1:${proxy.port}`, url]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "hello from ::1");
    });
    await withProxy({}, async (proxy) => {
      const res = await curl(["-x", `socks5://[::1]:${proxy.port}`, url]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "hello from ::1");
    }, "::1");
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 accepts the right username/password from curl", async () => {
  const backend = startHttpBackend();
  const url = `http://127.0.0.1:${backend.port}/`;
  try {
    await withProxy({ credentials: { username: "u", password: "p@ss" } }, async (proxy) => {
      const a = await curl(["--socks5", `127.0.0.1:${proxy.port}`, "--proxy-user", "u:p@ss", url]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, "hello from 127.0.0.1");
      const b = await curl(["-x", `socks5://u:p%40ss@127.0.0.1:${proxy.port}`, url]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout, "hello from 127.0.0.1");
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 rejects a wrong password: curl fails with its SOCKS error", async () => {
  const backend = startHttpBackend();
  try {
    await withProxy({ credentials: { username: "u", password: "p" } }, async (proxy, logs) => {
      const res = await curl([
        "-x",
        `socks5://u:wrong@127.0.0.1:${proxy.port}`,
        `http://127.0.0.1:${backend.port}/`,
      ]);
      assert.equal(res.code, CURL_PROXY_ERROR, res.stderr);
      assert.match(res.stderr, /rejected/i);
      await proxy.settled();
      assertOneWarning(logs, proxy.lastId(), /authentication failed for user "u"/);
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 speaks RFC 1929 on the wire: status 0x00, then 0x01 for a bad password", async () => {
  await withProxy({ credentials: { username: "user", password: "secret" } }, async (proxy) => {
    for (const [password, ok] of [["secret", true], ["Secret", false]] as const) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      try {
        await conn.write(encodeGreeting([Socks5Method.NO_AUTH, Socks5Method.USER_PASS]));
        const reader = new ByteReader(conn, undefined, "socks5");
        assert.equal(await readMethodSelection(reader), Socks5Method.USER_PASS);
        await conn.write(encodeUserPass("user", password));
        assert.equal(await readUserPassStatus(reader), ok);
        if (ok) {
          await conn.write(encodeRequest(Socks5Command.BIND, { hostname: "127.0.0.1", port: 1 }));
          assert.equal((await readReply(reader)).reply, Socks5Reply.COMMAND_NOT_SUPPORTED);
        }
        assert.equal(reader.buffered + (await readToEnd(conn)).length, 0, "then it closes");
      } finally {
        closeQuietly(conn);
      }
    }
  });
});

Deno.test("handleSocks5 answers 0xFF to a client offering only no-auth when credentials are set", async () => {
  await withProxy({ credentials: { username: "u", password: "p" } }, async (proxy, logs) => {
    const answer = await exchange(
      proxy.port,
      encodeGreeting([Socks5Method.NO_AUTH]),
      proxy.hostname,
    );
    assert.deepEqual([...answer], [0x05, 0xff]);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /username\/password/);
    const res = await curl(["--socks5", `127.0.0.1:${proxy.port}`, "http://127.0.0.1:1/"]);
    assert.equal(res.code, CURL_PROXY_ERROR, res.stderr);
  });
});

Deno.test("handleSocks5 answers 0xFF to everyone when socks5 is off", async () => {
  await withProxy({ socks5: false }, async (proxy, logs) => {
    const answer = await exchange(proxy.port, encodeGreeting([0x00, 0x01, 0x02]), proxy.hostname);
    assert.deepEqual([...answer], [0x05, 0xff]);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /SOCKS5 is disabled/);
  });
});

Deno.test("handleSocks5 answers 0xFF when no offered method is acceptable", async () => {
  await withProxy({}, async (proxy) => {
    const answer = await exchange(
      proxy.port,
      encodeGreeting([Socks5Method.GSSAPI]),
      proxy.hostname,
    );
    assert.deepEqual([...answer], [0x05, 0xff]);
  });
});

Deno.test("handleSocks5 replies 0x05 when the target refuses the connection", async () => {
  await withProxy({}, async (proxy, logs) => {
    const port = freePort();
    const code = await replyCode(
      proxy,
      noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", port),
    );
    assert.equal(code, Socks5Reply.CONNECTION_REFUSED);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /connection refused \(reply 0x05\)/);
    const res = await curl(["--socks5", `127.0.0.1:${proxy.port}`, `http://127.0.0.1:${port}/`]);
    assert.equal(res.code, CURL_PROXY_ERROR, res.stderr);
  });
});

Deno.test("handleSocks5 replies 0x04 for a name that does not resolve", async () => {
  await withProxy({}, async (proxy, logs) => {
    const code = await replyCode(
      proxy,
      noAuthRequest(Socks5Command.CONNECT, "no-such-host.invalid", 80),
    );
    assert.equal(code, Socks5Reply.HOST_UNREACHABLE);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /name not resolved \(reply 0x04\)/);
  });
});

Deno.test("handleSocks5 replies 0x03 when there is no route (broadcast address)", async () => {
  await withProxy({}, async (proxy) => {
    const code = await replyCode(
      proxy,
      noAuthRequest(Socks5Command.CONNECT, "255.255.255.255", 80),
    );
    assert.equal(code, Socks5Reply.NETWORK_UNREACHABLE);
  });
});

Deno.test("handleSocks5 replies 0x07 to BIND", async () => {
  await withProxy({}, async (proxy, logs) => {
    const code = await replyCode(proxy, noAuthRequest(Socks5Command.BIND, "0.0.0.0", 0));
    assert.equal(code, Socks5Reply.COMMAND_NOT_SUPPORTED);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /BIND .* not supported/);
  });
});

Deno.test("handleSocks5 replies 0x08 to an unknown address type", async () => {
  await withProxy({}, async (proxy, logs) => {
    const bad = Uint8Array.from([0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04]);
    const code = await replyCode(proxy, concat(encodeGreeting([0]), bad));
    assert.equal(code, Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED);
    await proxy.settled();
    assertOneWarning(logs, proxy.lastId(), /unknown address type 0x05/);
  });
});

Deno.test("handleSocks5 replies 0x02 after the handshake to a denied client address", async () => {
  const backend = startHttpBackend();
  const deny = CidrSet.parse(["127.0.0.0/8"]) as CidrSet;
  try {
    await withProxy({ deny }, async (proxy, logs) => {
      const code = await replyCode(
        proxy,
        noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", backend.port),
      );
      assert.equal(code, Socks5Reply.NOT_ALLOWED);
      await proxy.settled();
      assertOneWarning(logs, proxy.lastId(), /not allowed/);
      const res = await curl([
        "--socks5",
        `127.0.0.1:${proxy.port}`,
        `http://127.0.0.1:${backend.port}/`,
      ]);
      assert.equal(res.code, CURL_PROXY_ERROR, res.stderr);
    });
    const allow = CidrSet.parse(["10.0.0.0/8"]) as CidrSet;
    await withProxy({ allow }, async (proxy) => {
      const code = await replyCode(
        proxy,
        noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", backend.port),
      );
      assert.equal(code, Socks5Reply.NOT_ALLOWED, "not in the allow list");
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 replies with the upstream socket's local address as BND", async () => {
  // The backend tells each client which port it came from.
  const backend = startServer(async (conn) => {
    await conn.write(encoder.encode(String(conn.remoteAddr.port)));
    await conn.closeWrite();
    await readToEnd(conn);
  });
  try {
    await withProxy({}, async (proxy) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      try {
        await conn.write(noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", backend.port));
        const reader = new ByteReader(conn, undefined, "socks5");
        assert.equal(await readMethodSelection(reader), Socks5Method.NO_AUTH);
        const reply = await readReply(reader);
        assert.equal(reply.reply, Socks5Reply.SUCCEEDED);
        assert.equal(reply.address.hostname, "127.0.0.1");
        const rest = concat(reader.takeBuffered(), await readToEnd(conn));
        assert.equal(decoder.decode(rest), String(reply.address.port));
      } finally {
        closeQuietly(conn);
      }
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 forwards bytes sent right behind the request before tunnelling", async () => {
  const backend = startHttpBackend();
  try {
    // Were the early bytes lost, the backend would wait for a request until the idle timeout.
    await withProxy({ idleTimeout: 2000 }, async (proxy) => {
      const http = encoder.encode(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      const answer = await exchange(
        proxy.port,
        concat(noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", backend.port), http),
        proxy.hostname,
      );
      assert.equal(answer[3], Socks5Reply.SUCCEEDED);
      const text = decoder.decode(answer.subarray(12));
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /hello from 127\.0\.0\.1$/);
    });
  } finally {
    await backend.close();
  }
});

Deno.test("handleSocks5 closes a tunnel silent for idleTimeout", async () => {
  const backend = startServer(); // echo, never closes on its own
  try {
    await withProxy({ idleTimeout: 300 }, async (proxy) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      try {
        await conn.write(noAuthRequest(Socks5Command.CONNECT, "127.0.0.1", backend.port));
        const started = Date.now();
        const all = await readToEnd(conn);
        assert.equal(all.length, 12, "method selection and reply, then the end");
        assert.equal(all[3], Socks5Reply.SUCCEEDED);
        assert.ok(Date.now() - started >= 250, "closed by the idle timer, not at once");
      } finally {
        closeQuietly(conn);
      }
    });
  } finally {
    await backend.close();
  }
});
