import assert from "node:assert/strict";
import {
  bitString,
  boolean,
  explicit,
  oid,
  readChildren,
  readTlv,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
  x509Time,
} from "../../lib/pki/asn1.ts";
import { ecdsaRawToDer } from "../../lib/pki/certificate.ts";
import { ipBytes, keyUsage } from "../../lib/pki/extensions.ts";

const hex = (b: Uint8Array) => b.toHex();

Deno.test("asn1 INTEGER is minimal and stays positive", () => {
  assert.equal(hex(smallInteger(0)), "020100");
  assert.equal(hex(smallInteger(2)), "020102");
  assert.equal(hex(smallInteger(128)), "02020080");
  assert.equal(hex(smallInteger(256)), "02020100");
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x7f))), "02017f");
  assert.equal(hex(unsignedInteger(Uint8Array.of(0xff))), "020200ff");
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0))), "020100");
});

Deno.test("asn1 OIDs, strings, booleans, bit strings and context tags", () => {
  assert.equal(hex(oid("1.2.840.10045.2.1")), "06072a8648ce3d0201");
  assert.equal(hex(oid("2.5.29.17")), "0603551d11");
  assert.throws(() => oid("1"), RangeError);
  assert.equal(hex(utf8String("é")), "0c02c3a9");
  assert.equal(hex(boolean(true)), "0101ff");
  assert.equal(hex(bitString(Uint8Array.of(0x80), 7)), "03020780");
  assert.equal(hex(explicit(0, smallInteger(2))), "a003020102");
  assert.equal(hex(keyUsage("digitalSignature")).slice(-8), "03020780");
  assert.equal(hex(keyUsage("keyCertSign", "cRLSign")).slice(-8), "03020106");
  // SET OF sorts its members by encoding.
  assert.equal(hex(set(smallInteger(2), smallInteger(1))), "3106020101020102");
});

Deno.test("asn1 lengths use the long form past 127 bytes and read back", () => {
  const long = sequence(new Uint8Array(300));
  assert.equal(hex(long.subarray(0, 4)), "3082012c");
  const item = readTlv(long);
  assert.equal(item.value.length, 300);
  assert.equal(item.raw.length, long.length);
  const pair = readChildren(readTlv(sequence(smallInteger(1), smallInteger(2))).value);
  assert.deepEqual(pair.map((c) => c.value[0]), [1, 2]);
  assert.throws(() => readTlv(long.subarray(0, 100)), /runs past the end/);
});

Deno.test("asn1 times: UTCTime through 2049, GeneralizedTime from 2050", () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(2));
  assert.equal(text(x509Time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999)))), "491231235959Z");
  assert.equal(text(x509Time(new Date(Date.UTC(2050, 0, 1)))), "20500101000000Z");
  assert.equal(x509Time(new Date(Date.UTC(2050, 0, 1)))[0], 0x18);
});

Deno.test("ecdsaRawToDer() turns r||s into SEQUENCE { INTEGER r, INTEGER s }", () => {
  const raw = new Uint8Array(64);
  raw[0] = 0x80; // r has its top bit set: needs a leading zero
  raw[63] = 1; // s is 1: leading zeros dropped
  const der = ecdsaRawToDer(raw);
  assert.equal(hex(der.subarray(0, 5)), "3026022100");
  assert.equal(hex(der.subarray(-3)), "020101");
});

Deno.test("ipBytes() encodes IPv4 and IPv6 literals, and nothing else", () => {
  assert.equal(hex(ipBytes("10.0.0.1")!), "0a000001");
  assert.equal(hex(ipBytes("::1")!), "00000000000000000000000000000001");
  assert.equal(hex(ipBytes("2001:db8::ff00:42:8329")!), "20010db8000000000000ff0000428329");
  assert.equal(ipBytes("example.com"), undefined);
  assert.equal(ipBytes("256.0.0.1"), undefined);
});
