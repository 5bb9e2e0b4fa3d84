import assert from "node:assert/strict";
import { ensureSelfSigned } from "../../lib/pki/ensure.ts";
import { PkiError } from "../../lib/pki/errors.ts";
import { certificateFingerprint } from "../../lib/pki/fingerprint.ts";
import { startOrigin } from "../_support/origins.ts";
import { tempDir } from "../_support/temp.ts";
import { openssl, verifyAs } from "./_tls.ts";

const OPTIONS = { baseName: "tunnel", names: ["tunnel.test", "127.0.0.1"] };

Deno.test("ensureSelfSigned() creates the pair once (key 0600) and reuses it", async () => {
  const dir = await tempDir();
  try {
    const conf = `${dir.path}/conf.d`; // does not exist yet
    const first = await ensureSelfSigned(conf, OPTIONS);
    assert.equal(first.created, true);
    assert.equal(first.certFile, `${conf}/tunnel.crt`);
    assert.equal(first.keyFile, `${conf}/tunnel.key`);
    assert.deepEqual(first.names, ["tunnel.test", "127.0.0.1"]);
    assert.equal((await Deno.stat(first.keyFile)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(first.certFile)).mode! & 0o777, 0o644);
    assert.equal(await Deno.readTextFile(first.keyFile), first.keyPem);
    const fp = await openssl("x509", "-in", first.certFile, "-noout", "-fingerprint", "-sha256");
    assert.equal(fp.trim(), `sha256 Fingerprint=${first.fingerprint}`);

    const second = await ensureSelfSigned(conf, { ...OPTIONS, names: ["changed.test"] });
    assert.equal(second.created, false);
    assert.equal(second.fingerprint, first.fingerprint);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.keyPem, first.keyPem);
    assert.deepEqual(second.names, ["tunnel.test", "127.0.0.1"]);
    assert.equal(second.notAfter.getTime(), first.notAfter.getTime());

    // The loaded pair serves TLS that a client trusting the .crt file accepts.
    const origin = startOrigin("pki", undefined, {
      tls: { cert: second.certPem, key: second.keyPem },
    });
    try {
      const ca = await Deno.readTextFile(first.certFile);
      assert.equal(await verifyAs(origin.port, "tunnel.test", [ca]), "ok");
    } finally {
      await origin.close();
    }
  } finally {
    await dir.cleanup();
  }
});

async function failure(dir: string): Promise<PkiError> {
  try {
    await ensureSelfSigned(dir, OPTIONS);
  } catch (e) {
    assert.ok(e instanceof PkiError, String(e));
    return e;
  }
  assert.fail("ensureSelfSigned() should have thrown");
}

Deno.test("ensureSelfSigned() refuses a half pair, a foreign key and files that are not PEM", async () => {
  const dir = await tempDir();
  try {
    const a = `${dir.path}/a`;
    const made = await ensureSelfSigned(a, OPTIONS);

    await Deno.remove(made.keyFile);
    let e = await failure(a);
    assert.equal(e.kind, "unreadable");
    assert.equal(e.path, made.keyFile);
    assert.match(e.message, /tunnel\.key" is missing but ".*tunnel\.crt" exists/);

    const b = `${dir.path}/b`;
    const other = await ensureSelfSigned(b, OPTIONS);
    await Deno.copyFile(other.keyFile, made.keyFile);
    e = await failure(a);
    assert.equal(e.kind, "mismatch");
    assert.match(e.message, /tunnel\.key" is not the key of ".*tunnel\.crt"/);

    await Deno.writeTextFile(other.keyFile, "not a key\n");
    e = await failure(b);
    assert.equal(e.kind, "invalid");
    assert.equal(e.path, other.keyFile);
    assert.match(e.message, /holds no valid PEM PRIVATE KEY block/);

    await Deno.writeTextFile(
      other.keyFile,
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    e = await failure(b);
    assert.match(e.message, /is not an ECDSA P-256 PKCS#8 key/);

    await Deno.writeTextFile(
      other.certFile,
      "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
    );
    e = await failure(b);
    assert.equal(e.kind, "invalid");
    assert.equal(e.path, other.certFile);
    assert.match(e.message, /is not a valid certificate/);

    await Deno.chmod(other.certFile, 0o000);
    if (Deno.uid() !== 0) {
      e = await failure(b);
      assert.equal(e.kind, "unreadable");
    }
  } finally {
    await dir.cleanup();
  }
});

Deno.test("certificateFingerprint() matches openssl for an openssl-made chain file", async () => {
  const dir = await tempDir();
  try {
    await openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${dir.path}/o.key`,
      "-out",
      `${dir.path}/o.crt`,
      "-days",
      "1",
      "-subj",
      "/CN=o.test",
    );
    const pem = await Deno.readTextFile(`${dir.path}/o.crt`);
    const fp = await openssl(
      "x509",
      "-in",
      `${dir.path}/o.crt`,
      "-noout",
      "-fingerprint",
      "-sha256",
    );
    // A chain file: the leaf first, then anything else.
    assert.equal(`sha256 Fingerprint=${await certificateFingerprint(pem + pem)}`, fp.trim());
    await assert.rejects(() => certificateFingerprint("nothing"), TypeError);
  } finally {
    await dir.cleanup();
  }
});
