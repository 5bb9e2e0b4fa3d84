import assert from "node:assert/strict";
import { createSelfSigned } from "../../lib/pki/self_signed.ts";
import { randomSerial, signCertificate } from "../../lib/pki/certificate.ts";
import {
  basicConstraints,
  CLIENT_AUTH,
  extendedKeyUsage,
  keyUsage,
  subjectAltName,
} from "../../lib/pki/extensions.ts";
import { pemDecodeAll, pemEncode } from "../../lib/pki/pem.ts";
import { readCertificate } from "../../lib/pki/certificate_info.ts";
import { verifyFailure } from "../../lib/pki/verify_failure.ts";
import { curl } from "../_support/curl.ts";
import { startOrigin } from "../_support/origins.ts";
import { tempDir } from "../_support/temp.ts";
import { openssl, verifyAs } from "./_tls.ts";

const NAMES = ["tunnel.test", "127.0.0.1", "::1"];

Deno.test("createSelfSigned() makes a certificate openssl reads, with its fingerprint", async () => {
  const dir = await tempDir();
  try {
    const pair = await createSelfSigned({ names: NAMES, days: 30 });
    const file = `${dir.path}/c.crt`;
    await Deno.writeTextFile(file, pair.certPem);
    const text = await openssl("x509", "-in", file, "-noout", "-text");
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /Issuer: CN = tunnel\.test/);
    assert.match(text, /Subject: CN = tunnel\.test/);
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /DNS:tunnel\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    const fp = await openssl("x509", "-in", file, "-noout", "-fingerprint", "-sha256");
    assert.equal(fp.trim(), `sha256 Fingerprint=${pair.fingerprint}`);
    // The signature verifies and the purpose fits a TLS server.
    const verified = await openssl("verify", "-CAfile", file, "-purpose", "sslserver", file);
    assert.match(verified, /: OK/);
    // The key is PKCS#8 and belongs to the certificate.
    await Deno.writeTextFile(`${dir.path}/c.key`, pair.keyPem);
    const keyPub = await openssl("pkey", "-in", `${dir.path}/c.key`, "-pubout");
    const certPub = await openssl("x509", "-in", file, "-noout", "-pubkey");
    assert.equal(keyPub, certPub);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("createSelfSigned() dates and serials: backdated a day, days long, random", async () => {
  const before = Date.now();
  const a = await createSelfSigned({ names: ["a.test"], days: 2 });
  const b = await createSelfSigned({ names: ["a.test"], days: 2 });
  const info = readCertificate(pemDecodeAll(a.certPem, "CERTIFICATE")[0]);
  const DAY = 86400_000;
  assert.ok(Math.abs(info.notBefore.getTime() - (before - DAY)) < 5000);
  assert.ok(Math.abs(info.notAfter.getTime() - (before + 2 * DAY)) < 5000);
  assert.deepEqual(info.names, ["a.test"]);
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.match(a.certPem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END/);
  assert.match(a.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  await assert.rejects(() => createSelfSigned({ names: [] }), RangeError);
  await assert.rejects(() => createSelfSigned({ names: ["a b"] }), /"a b" is neither/);
  await assert.rejects(() => createSelfSigned({ names: ["a.test"], days: 0 }), RangeError);
});

Deno.test("a server with a self-signed pair is trusted by Deno for a DNS and an IP name", async () => {
  const pair = await createSelfSigned({ names: NAMES });
  const origin = startOrigin("pki", undefined, { tls: { cert: pair.certPem, key: pair.keyPem } });
  try {
    assert.equal(await verifyAs(origin.port, "tunnel.test", [pair.certPem]), "ok");
    assert.equal(await verifyAs(origin.port, "127.0.0.1", [pair.certPem]), "ok");
    const conn = await Deno.connectTls({ port: origin.port, caCerts: [pair.certPem] });
    await conn.handshake();
    conn.close();
    // A name the certificate does not cover is refused, unless name checks are off.
    const other = await verifyAs(origin.port, "other.test", [pair.certPem]);
    assert.ok(other instanceof Error);
    assert.equal(verifyFailure(other), "name");
    assert.equal(
      await verifyAs(origin.port, "other.test", [pair.certPem], {
        unsafelyDisableHostnameVerification: true,
      }),
      "ok",
    );
  } finally {
    await origin.close();
  }
});

Deno.test("a server with a self-signed pair is trusted by curl --cacert", async () => {
  const dir = await tempDir();
  const pair = await createSelfSigned({ names: NAMES });
  const origin = startOrigin("pki", undefined, { tls: { cert: pair.certPem, key: pair.keyPem } });
  try {
    await Deno.writeTextFile(`${dir.path}/ca.crt`, pair.certPem);
    const port = origin.port;
    const byName = await curl([
      "--cacert",
      `${dir.path}/ca.crt`,
      "--resolve",
      `tunnel.test:${port}:127.0.0.1`,
      `https://tunnel.test:${port}/x`,
    ]);
    assert.equal(byName.stderr, "");
    assert.equal(byName.stdout, "pki /x");
    const byIp = await curl(["--cacert", `${dir.path}/ca.crt`, `https://127.0.0.1:${port}/y`]);
    assert.equal(byIp.stdout, "pki /y");
    const untrusted = await curl([`https://127.0.0.1:${port}/`]);
    assert.equal(untrusted.code, 60);
  } finally {
    await origin.close();
    await dir.cleanup();
  }
});

Deno.test("a client that trusts another self-signed certificate sees UnknownIssuer or BadSignature", async () => {
  const pair = await createSelfSigned({ names: NAMES });
  const sameName = await createSelfSigned({ names: NAMES });
  const otherName = await createSelfSigned({ names: ["elsewhere.test"] });
  const origin = startOrigin("pki", undefined, { tls: { cert: pair.certPem, key: pair.keyPem } });
  try {
    const a = await verifyAs(origin.port, "tunnel.test", [otherName.certPem]);
    assert.ok(a instanceof Error);
    assert.equal(a.message, "invalid peer certificate: UnknownIssuer");
    assert.equal(verifyFailure(a), "untrusted");
    // Same subject, different key: rustls finds the anchor by name, then the signature fails.
    const b = await verifyAs(origin.port, "tunnel.test", [sameName.certPem]);
    assert.ok(b instanceof Error);
    assert.equal(b.message, "invalid peer certificate: BadSignature");
    assert.equal(verifyFailure(b), "untrusted");
    // No caCerts at all: only the built-in roots.
    const c = await verifyAs(origin.port, "tunnel.test", []);
    assert.ok(c instanceof Error);
    assert.equal(verifyFailure(c), "untrusted");
    assert.equal(verifyFailure(new Error("connection reset")), undefined);
  } finally {
    await origin.close();
  }
});

/** A self-signed certificate with exactly `extensions`, valid from `from` to `to`. */
async function variant(
  extensions: Uint8Array<ArrayBuffer>[],
  from = Date.now() - 3600_000,
  to = Date.now() + 3600_000,
): Promise<{ cert: string; key: string }> {
  const keys = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const der = await signCertificate(keys.publicKey, keys.privateKey, {
    commonName: "tunnel.test",
    serial: randomSerial(),
    notBefore: new Date(from),
    notAfter: new Date(to),
    extensions,
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { cert: pemEncode("CERTIFICATE", der), key: pemEncode("PRIVATE KEY", pkcs8) };
}

async function deno(pair: { cert: string; key: string }): Promise<string> {
  const origin = startOrigin("pki", undefined, { tls: pair });
  try {
    const r = await verifyAs(origin.port, "tunnel.test", [pair.cert]);
    return r === "ok" ? r : r.message;
  } finally {
    await origin.close();
  }
}

Deno.test("what Deno (rustls) accepts as a self-signed server certificate that is its own anchor", async () => {
  const san = subjectAltName(["tunnel.test"]);
  // Accepted: subjectAltName alone, or with CA:FALSE and the usual usages.
  assert.equal(await deno(await variant([san])), "ok");
  assert.equal(await deno(await variant([basicConstraints(false), san])), "ok");
  // Refused: CA:TRUE, whatever the key usage (webpki: a CA used as an end entity).
  assert.equal(
    await deno(await variant([basicConstraints(true), san])),
    "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
  );
  assert.equal(
    await deno(
      await variant([basicConstraints(true), keyUsage("digitalSignature", "keyCertSign"), san]),
    ),
    "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
  );
  // Refused: an extendedKeyUsage without serverAuth.
  const clientOnly = await deno(await variant([extendedKeyUsage(CLIENT_AUTH), san]));
  assert.match(clientOnly, /does not allow extended key usage for server authentication/);
  // Refused: no subjectAltName (rustls never falls back to the CN).
  assert.match(
    await deno(await variant([basicConstraints(false)])),
    /certificate is not valid for any names/,
  );
  // Refused: expired.
  const expired = await deno(
    await variant([san], Date.now() - 2 * 86400_000, Date.now() - 86400_000),
  );
  assert.match(expired, /^invalid peer certificate: certificate expired/);
  assert.equal(verifyFailure(new Error(expired)), "expired");
});
