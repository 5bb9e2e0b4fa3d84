import assert from "node:assert/strict";
import { bytesToIp, ipToBytes, isUnspecifiedIp, unmapIpv4 } from "../../lib/proxy/socks5/_ip.ts";

Deno.test("bytesToIp() writes IPv6 the RFC 5952 way", () => {
  const v6 = (...groups: number[]) => {
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    return out;
  };
  assert.equal(bytesToIp(v6(0, 0, 0, 0, 0, 0, 0, 1)), "::1");
  assert.equal(bytesToIp(v6(0, 0, 0, 0, 0, 0, 0, 0)), "::");
  assert.equal(bytesToIp(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)), "2001:db8::1");
  assert.equal(bytesToIp(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), "2001:db8::1:0:0:1", "first run");
  assert.equal(bytesToIp(v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)), "2001:db8:0:1:1:1:1:1", "one zero");
  assert.equal(bytesToIp(v6(0x2001, 0, 0, 1, 0, 0, 0, 1)), "2001:0:0:1::1", "longest run");
  assert.equal(bytesToIp(v6(0xfe80, 0, 0, 0, 0, 0, 0, 0)), "fe80::");
  assert.equal(bytesToIp(v6(0xabcd, 0xef01, 1, 2, 3, 4, 5, 6)), "abcd:ef01:1:2:3:4:5:6");
  assert.equal(bytesToIp(v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304)), "::ffff:1.2.3.4");
  assert.equal(bytesToIp(Uint8Array.from([192, 0, 2, 255])), "192.0.2.255");
});

Deno.test("ipToBytes() reads IPv4 and IPv6 literals and nothing else", () => {
  assert.deepEqual([...ipToBytes("10.0.0.255")!], [10, 0, 0, 255]);
  assert.deepEqual([...ipToBytes("::1")!], [...new Array(15).fill(0), 1]);
  assert.deepEqual([...ipToBytes("::FFFF:1.2.3.4")!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.equal(ipToBytes("localhost"), undefined);
  assert.equal(ipToBytes("256.1.1.1"), undefined);
  assert.equal(ipToBytes("[::1]"), undefined);
  for (const ip of ["2001:db8::1:0:0:1", "fe80::", "::", "1.2.3.4", "::ffff:9.8.7.6"]) {
    assert.equal(bytesToIp(ipToBytes(ip)!), ip);
  }
});

Deno.test("bytesToIp() agrees with how Deno reports an IPv6 peer", () => {
  const l = Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 });
  try {
    const reported = (l.addr as Deno.NetAddr).hostname;
    assert.equal(bytesToIp(ipToBytes(reported)!), reported);
  } finally {
    l.close();
  }
});

Deno.test("unmapIpv4() and isUnspecifiedIp()", () => {
  assert.equal(unmapIpv4("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(unmapIpv4("::1"), "::1");
  assert.equal(unmapIpv4("127.0.0.1"), "127.0.0.1");
  assert.ok(isUnspecifiedIp("0.0.0.0"));
  assert.ok(isUnspecifiedIp("::"));
  assert.ok(!isUnspecifiedIp("0.0.0.1"));
  assert.ok(!isUnspecifiedIp("localhost"));
});
