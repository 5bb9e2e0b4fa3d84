/**
 * The SOCKS5 handler served in-process on a real socket, and python3 SOCKS5 UDP clients.
 */
import { handleSocks5 } from "../../lib/proxy/socks5/server.ts";
import type { ForwardProxyOptions } from "../../lib/proxy/types.ts";
import { acceptLoop } from "../_support/accept.ts";
import { closeQuietly } from "../_support/io.ts";
import { startOrigin, type TestOrigin } from "../_support/origins.ts";
import { runPython } from "../_support/python.ts";
import type { RunResult } from "../_support/process.ts";
import { connContext, proxyOptions } from "./_options.ts";

/** `handleSocks5` behind a real listener, the way the forward proxy calls it. */
export interface Socks5TestProxy {
  readonly hostname: string;
  readonly port: number;
  /** The id of the last connection accepted (ids start at 1). */
  lastId(): number;
  /** Resolves when every handler started so far has returned. */
  settled(): Promise<void>;
  /** Sockets the handlers tracked and have not untracked. */
  tracked(): number;
  close(): Promise<void>;
}

/**
 * Listens on `hostname`:0; each connection's first chunk is read and handed with a context to
 * `handleSocks5`.
 */
export function startSocks5Proxy(
  overrides: Partial<ForwardProxyOptions> = {},
  hostname = "127.0.0.1",
): Socks5TestProxy {
  const options = proxyOptions(overrides);
  const tracked = new Set<{ close(): void }>();
  const loop = acceptLoop(Deno.listen({ hostname, port: 0 }), async (conn, index) => {
    const ctx = connContext(conn, index + 1, options, tracked);
    try {
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      if (n !== null) await handleSocks5(conn, buf.subarray(0, n), ctx);
    } catch (e) {
      // handleSocks5 must not throw: make the test see it
      console.error("handleSocks5 threw", e);
      throw e;
    }
  });
  return {
    hostname,
    port: loop.port,
    lastId: loop.accepted,
    settled: loop.settled,
    tracked: () => tracked.size,
    async close() {
      for (const c of tracked) closeQuietly(c);
      await loop.close(true);
    },
  };
}

/** Writes `source` to a temporary file and runs it with python3. */
export async function python(source: string, args: string[]): Promise<RunResult> {
  const file = await Deno.makeTempFile({ prefix: "wmproxy-socks5-", suffix: ".py" });
  try {
    await Deno.writeTextFile(file, source);
    return await runPython([file, ...args]);
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

/**
 * A SOCKS5 UDP client in python3's standard library. Usage:
 *   client.py PROXY_HOST PROXY_PORT TARGET_HOST TARGET_PORT MODE [USER PASSWORD]
 * MODE "lock-first" announces 0.0.0.0:0, "announce" announces its own UDP address,
 * "announce-nat" a private address that is not its own, "idle" only waits for the proxy to close the control connection. With USER and PASSWORD it
 * authenticates (RFC 1929). Prints one JSON object.
 */
export const UDP_CLIENT_PY = String.raw`
import json, socket, struct, sys

proxy_host, proxy_port, target_host, target_port, mode = sys.argv[1:6]
proxy_port, target_port = int(proxy_port), int(target_port)
family = socket.AF_INET6 if ":" in proxy_host else socket.AF_INET
out = {"datagrams": []}

def exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("proxy closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data

def read_address(sock):
    atyp = exact(sock, 1)[0]
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, exact(sock, 4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, exact(sock, 16))
    else:
        host = exact(sock, exact(sock, 1)[0]).decode()
    return host, struct.unpack(">H", exact(sock, 2))[0]

def encode_address(host):
    for fam, atyp in ((socket.AF_INET, 1), (socket.AF_INET6, 4)):
        try:
            return bytes([atyp]) + socket.inet_pton(fam, host)
        except OSError:
            pass
    name = host.encode()
    return bytes([3, len(name)]) + name

def datagram(payload, host=target_host, frag=0, rsv=b"\x00\x00"):
    return rsv + bytes([frag]) + encode_address(host) + struct.pack(">H", target_port) + payload

def parse(data):
    rsv, frag, atyp = data[0:2], data[2], data[3]
    if atyp == 1:
        host, rest = socket.inet_ntop(socket.AF_INET, data[4:8]), data[8:]
    elif atyp == 4:
        host, rest = socket.inet_ntop(socket.AF_INET6, data[4:20]), data[20:]
    else:
        n = data[4]
        host, rest = data[5:5 + n].decode(), data[5 + n:]
    return {"rsv": rsv.hex(), "frag": frag, "atyp": atyp, "host": host,
            "port": struct.unpack(">H", rest[:2])[0], "payload": rest[2:].decode()}

tcp = socket.create_connection((proxy_host, proxy_port), timeout=10)
if len(sys.argv) > 7:
    user, password = sys.argv[6].encode(), sys.argv[7].encode()
    tcp.sendall(b"\x05\x01\x02")
    assert exact(tcp, 2) == b"\x05\x02", "username/password refused"
    tcp.sendall(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
    assert exact(tcp, 2) == b"\x01\x00", "credentials rejected"
else:
    tcp.sendall(b"\x05\x01\x00")
    assert exact(tcp, 2) == b"\x05\x00", "no-auth refused"
udp = socket.socket(family, socket.SOCK_DGRAM)
udp.bind((proxy_host, 0))
udp.settimeout(5)
if mode == "announce":
    announced = udp.getsockname()[:2]
elif mode == "announce-nat":
    # a client behind NAT announces its private address, which the relay cannot trust
    announced = ("10.9.8.7", 1234)
else:
    announced = ("::" if family == socket.AF_INET6 else "0.0.0.0", 0)
tcp.sendall(b"\x05\x03\x00" + encode_address(announced[0]) + struct.pack(">H", announced[1]))
head = exact(tcp, 3)
out["reply"] = head[1]
relay = read_address(tcp)
out["relay"] = list(relay)

if mode == "idle":
    out["eof"] = tcp.recv(1) == b""
    print(json.dumps(out))
    sys.exit(0)

foreign = socket.socket(family, socket.SOCK_DGRAM)
foreign.bind((proxy_host, 0))
if family == socket.AF_INET:
    # another loopback IP: must be dropped even before the client's first datagram
    other_ip = socket.socket(family, socket.SOCK_DGRAM)
    other_ip.bind(("127.0.0.2", 0))
    other_ip.sendto(datagram(b"other-ip-first"), relay)

def ask(payload, **kw):
    udp.sendto(datagram(payload, **kw), relay)
    data, source = udp.recvfrom(65535)
    out["datagrams"].append(parse(data))
    out["source"] = list(source[:2])

if mode == "announce":
    # the port is pinned by the request: a foreign port is dropped even before the client speaks
    foreign.sendto(datagram(b"foreign-first"), relay)
ask(b"hello")
ask(b"by-name", host="localhost") if family == socket.AF_INET else None
foreign.sendto(datagram(b"foreign"), relay)
ask(b"after-foreign")
udp.sendto(datagram(b"fragment", frag=1), relay)
ask(b"after-fragment")
udp.sendto(datagram(b"bad-reserved", rsv=b"\x00\x01"), relay)
ask(b"after-bad-header")
ask(b"x" * 60000)
out["datagrams"][-1]["payload"] = "x * %d" % (len(out["datagrams"][-1]["payload"]) - 5)

# Replies are accepted only from targets the client sent to. Play a second target to learn
# the relay's target-side address, have a stranger send to it, then answer as the target:
# the client must get the answer, not the stranger's datagram.
target = socket.socket(family, socket.SOCK_DGRAM)
target.bind((proxy_host, 0))
target.settimeout(5)
target_port = target.getsockname()[1]
udp.sendto(datagram(b"to-second-target", host=proxy_host), relay)
data, relay_out = target.recvfrom(65535)
out["second_target_got"] = data.decode()
foreign.sendto(b"stranger", relay_out)
target.sendto(b"from-second-target", relay_out)
data, source = udp.recvfrom(65535)
out["second_target_reply"] = parse(data)
tcp.close()
print(json.dumps(out))
`;

/** Sends one datagram to a (closed) relay on a connected socket: ICMP makes recv fail. */
export const UDP_PROBE_PY = String.raw`
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect((host, port))
s.send(b"\x00\x00\x00\x01\x7f\x00\x00\x01\x00\x09anyone?")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
`;

/** An HTTP origin answering every request with `hello from <tag>`. */
export function startHttpBackend(hostname = "127.0.0.1", tag = hostname): TestOrigin {
  return startOrigin(tag, () => new Response(`hello from ${tag}`), { hostname });
}
