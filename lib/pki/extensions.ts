/**
 * X.509 v3 extensions (RFC 5280 4.2), each encoded as a complete `Extension` SEQUENCE.
 * @module
 */
import type { Bytes } from "./asn1.ts";
import { bitString, boolean, implicitPrimitive, octetString, oid, sequence } from "./asn1.ts";
import { isIpv4 } from "../net/address.ts";
import { ipToBigInt } from "../net/cidr.ts";

const encoder = new TextEncoder();

function extension(id: string, critical: boolean, value: Bytes): Bytes {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

/** The 4 or 16 bytes of an IP literal, or undefined when `name` is not one. */
export function ipBytes(name: string): Bytes | undefined {
  const ip = ipToBigInt(name);
  if (!ip || (!ip.v6 && !isIpv4(name))) return undefined;
  const out = new Uint8Array(ip.v6 ? 16 : 4);
  let v = ip.value;
  for (let i = out.length - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/**
 * subjectAltName: an iPAddress entry for each IP literal in `names`, a dNSName for the rest
 * (a trailing dot is dropped; names are ASCII, so IDNs must come in punycode).
 */
export function subjectAltName(names: readonly string[]): Bytes {
  const entries = names.map((name) => {
    const ip = ipBytes(name.replace(/^\[|\]$/g, ""));
    if (ip) return implicitPrimitive(7, ip);
    const dns = name.replace(/\.$/, "").toLowerCase();
    if (
      !/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(dns)
    ) {
      throw new RangeError(`"${name}" is neither an IP address nor a DNS name`);
    }
    return implicitPrimitive(2, encoder.encode(dns));
  });
  return extension("2.5.29.17", false, sequence(...entries));
}

/** basicConstraints, critical; `ca: false` encodes as the empty SEQUENCE (DER omits defaults). */
export function basicConstraints(ca: boolean): Bytes {
  return extension("2.5.29.19", true, ca ? sequence(boolean(true)) : sequence());
}

/** keyUsage bits by name (RFC 5280 4.2.1.3), the ones a TLS server or a CA sets. */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };

/** keyUsage, critical, with the named bits set. */
export function keyUsage(...usages: (keyof typeof KEY_USAGE)[]): Bytes {
  let bits = 0;
  let highest = 0;
  for (const u of usages) {
    bits |= 0x80 >> KEY_USAGE[u];
    highest = Math.max(highest, KEY_USAGE[u]);
  }
  return extension("2.5.29.15", true, bitString(Uint8Array.of(bits), 7 - highest));
}

/** extendedKeyUsage id-kp-serverAuth. */
export const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
/** extendedKeyUsage id-kp-clientAuth. */
export const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** extendedKeyUsage, not critical, listing purpose OIDs. */
export function extendedKeyUsage(...purposes: string[]): Bytes {
  return extension("2.5.29.37", false, sequence(...purposes.map(oid)));
}

/** subjectKeyIdentifier: the given key id (RFC 5280 method 1: SHA-1 of the public key bits). */
export function subjectKeyIdentifier(keyId: Bytes): Bytes {
  return extension("2.5.29.14", false, octetString(keyId));
}

/** authorityKeyIdentifier with only `[0] keyIdentifier`. */
export function authorityKeyIdentifier(keyId: Bytes): Bytes {
  return extension("2.5.29.35", false, sequence(implicitPrimitive(0, keyId)));
}
