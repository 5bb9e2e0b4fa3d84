import assert from "node:assert/strict";
import { createSelfSigned } from "../../lib/pki/self_signed.ts";
import { fetchPeerCertificate } from "../../lib/pki/peer_certificate.ts";
import { normalizeFingerprint } from "../../lib/pki/fingerprint.ts";
import { startOrigin } from "../_support/origins.ts";
import { verifyAs } from "./_tls.ts";

Deno.test("fetchPeerCertificate() reads the server's certificate so a client can pin it", async () => {
  const pair = await createSelfSigned({ names: ["tunnel.test"] });
  const origin = startOrigin("pki", undefined, { tls: { cert: pair.certPem, key: pair.keyPem } });
  try {
    const target = { hostname: "127.0.0.1", port: origin.port };
    const peer = await fetchPeerCertificate(target, { serverName: "tunnel.test" });
    assert.equal(peer.fingerprint, pair.fingerprint);
    assert.equal(peer.certPem, pair.certPem);
    // The pin holds: trust exactly that certificate. The dialled address (127.0.0.1) is not
    // one of its names, so the name check is off; the pin is what is checked.
    assert.equal(
      await verifyAs(origin.port, "127.0.0.1", [peer.certPem], {
        unsafelyDisableHostnameVerification: true,
      }),
      "ok",
    );
    const noSni = await fetchPeerCertificate(target);
    assert.equal(noSni.fingerprint, pair.fingerprint);
  } finally {
    await origin.close();
  }
});

Deno.test("fetchPeerCertificate() fails on a port that does not speak TLS", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      await conn.write(new TextEncoder().encode("SSH-2.0-nope\r\n"));
      conn.close();
    }
  })().catch(() => {});
  try {
    await assert.rejects(() =>
      fetchPeerCertificate({ hostname: "127.0.0.1", port: listener.addr.port })
    );
  } finally {
    listener.close();
    await served;
  }
});

Deno.test("normalizeFingerprint() accepts openssl's, a bare hex and a lower-case form", () => {
  const canonical = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, "0"))
    .join(":").toUpperCase();
  assert.equal(normalizeFingerprint(`sha256 Fingerprint=${canonical}`), canonical);
  assert.equal(normalizeFingerprint(canonical.replaceAll(":", "").toLowerCase()), canonical);
  assert.equal(normalizeFingerprint(` SHA256:${canonical.toLowerCase()} `), canonical);
  assert.equal(normalizeFingerprint(canonical.slice(3)), undefined);
  assert.equal(normalizeFingerprint(`${canonical}:00`), undefined);
  assert.equal(normalizeFingerprint("zz".repeat(32)), undefined);
});
