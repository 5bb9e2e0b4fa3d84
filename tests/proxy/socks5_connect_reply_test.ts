import assert from "node:assert/strict";
import { ConnectError, connectTcp } from "../../lib/net/connect.ts";
import { Socks5Reply } from "../../lib/proxy/socks5/codec.ts";
import { connectFailure } from "../../lib/proxy/socks5/connect_reply.ts";
import { freePort } from "../_support/ports.ts";

function osError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

Deno.test("connectFailure() maps each way a connect fails to the reply that says so", () => {
  const cases: [unknown, number, RegExp][] = [
    [new ConnectError("a:1", "timeout"), Socks5Reply.HOST_UNREACHABLE, /timed out/],
    [new ConnectError("a:1", "refused"), Socks5Reply.CONNECTION_REFUSED, /refused/],
    [
      new ConnectError("a:1", "unreachable", new Deno.errors.NetworkUnreachable("x")),
      Socks5Reply.NETWORK_UNREACHABLE,
      /network unreachable/,
    ],
    [
      new ConnectError("a:1", "unreachable", osError("No route to host", "EHOSTUNREACH")),
      Socks5Reply.HOST_UNREACHABLE,
      /host unreachable/,
    ],
    [
      new ConnectError(
        "a:1",
        "unreachable",
        new Error("failed to lookup address information: Name or service not known"),
      ),
      Socks5Reply.HOST_UNREACHABLE,
      /name not resolved/,
    ],
    [
      new ConnectError(
        "a:1",
        "unreachable",
        new Error("failed to lookup address information: Temporary failure in name resolution"),
      ),
      Socks5Reply.HOST_UNREACHABLE,
      /name not resolved/,
    ],
    [
      new ConnectError("a:1", "unreachable", new Deno.errors.TimedOut("x")),
      Socks5Reply.HOST_UNREACHABLE,
      /timed out/,
    ],
    [
      new ConnectError("a:1", "unreachable", osError("Permission denied", "EACCES")),
      Socks5Reply.NOT_ALLOWED,
      /not permitted/,
    ],
    [
      new ConnectError("a:1", "unreachable", new Deno.errors.NotCapable("net access")),
      Socks5Reply.NOT_ALLOWED,
      /not permitted/,
    ],
    [
      new ConnectError("a:1", "unreachable", osError("Invalid argument", "EINVAL")),
      Socks5Reply.GENERAL_FAILURE,
      /^Invalid argument$/,
    ],
    [new Deno.errors.ConnectionRefused("x"), Socks5Reply.CONNECTION_REFUSED, /refused/],
    [new TypeError("weird"), Socks5Reply.GENERAL_FAILURE, /^weird$/],
  ];
  for (const [error, reply, reason] of cases) {
    const got = connectFailure(error);
    assert.equal(got.reply, reply, `${error}`);
    assert.match(got.reason, reason);
  }
});

Deno.test("connectFailure() of real connect failures: refused, unresolvable, no route", async () => {
  const attempt = async (hostname: string, port: number) => {
    try {
      (await connectTcp(hostname, port, { timeout: 5000 })).close();
    } catch (e) {
      return connectFailure(e).reply;
    }
    throw new Error(`connected to ${hostname}:${port}`);
  };
  assert.equal(await attempt("127.0.0.1", freePort()), Socks5Reply.CONNECTION_REFUSED);
  assert.equal(await attempt("no-such-host.invalid", 80), Socks5Reply.HOST_UNREACHABLE);
  assert.equal(await attempt("255.255.255.255", 80), Socks5Reply.NETWORK_UNREACHABLE);
});
