import assert from "node:assert/strict";
import { MuxSession } from "../../lib/tunnel/mux/session.ts";
import { MessageReader, writeMessage } from "../../lib/tunnel/protocol/codec.ts";
import { parseMessage, TUNNEL_VERSION } from "../../lib/tunnel/protocol/messages.ts";
import { serverOptions, startTunnelServer } from "../_support/tunnel.ts";

/** One login attempt over a fresh session: the answer's type and how long it took (ms). */
async function attempt(port: number, password: string): Promise<[string, number]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const mux = new MuxSession(conn, { role: "client", keepAliveInterval: 0 });
  try {
    const control = await mux.open();
    const started = performance.now();
    await writeMessage(control, {
      type: "hello",
      version: TUNNEL_VERSION,
      username: "tunnel",
      password,
      mappings: [],
    });
    const raw = await new MessageReader(control).next();
    assert.ok(raw);
    return [parseMessage(raw).type, performance.now() - started];
  } finally {
    mux.close();
  }
}

Deno.test("TunnelServer slows repeated failed logins from one address; a good login clears it", async () => {
  const tunnel = startTunnelServer(serverOptions());
  try {
    const quick: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [type, ms] = await attempt(tunnel.bindPort, "wrong");
      assert.equal(type, "denied");
      quick.push(ms);
    }
    // The fourth failure in a row waits before its credentials are even checked.
    const [type, slow] = await attempt(tunnel.bindPort, "wrong");
    assert.equal(type, "denied");
    assert.ok(slow >= 450, `the 4th failed login took ${slow} ms (first three: ${quick})`);
    // A good login (slowed once more, then accepted) clears the address.
    const [ok] = await attempt(tunnel.bindPort, "secret");
    assert.equal(ok, "welcome");
    const [again, fast] = await attempt(tunnel.bindPort, "wrong");
    assert.equal(again, "denied");
    assert.ok(fast < 450, `after a good login a failure is answered at once (${fast} ms)`);
  } finally {
    await tunnel.close();
  }
});
