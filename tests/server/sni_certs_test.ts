import assert from "node:assert/strict";
import type { HttpServer } from "../../lib/config/schema.ts";
import { SniCertificates } from "../../lib/server/sni_certs.ts";

function server(names: string[], tag: string | null): HttpServer {
  return {
    up_name: names,
    tls: tag === null ? null : { cert_pem: `cert ${tag}`, key_pem: `key ${tag}` },
  } as unknown as HttpServer;
}

Deno.test("SniCertificates: exact name, then *.name, else the first server with a certificate", () => {
  const certs = new SniCertificates([
    server(["plain.test"], null),
    server(["a.test"], "a"),
    server(["*.b.test", "b.test"], "b"),
    server(["x.b.test"], "x"),
  ]);
  assert.equal(certs.certFor("a.test").cert, "cert a");
  assert.equal(certs.certFor("A.Test").cert, "cert a", "names are case-insensitive");
  assert.equal(certs.certFor("b.test").cert, "cert b");
  assert.equal(certs.certFor("y.b.test").cert, "cert b");
  assert.equal(certs.certFor("x.b.test").cert, "cert x", "an exact name wins over a wildcard");
  assert.equal(certs.certFor("z.y.b.test").cert, "cert a", "a wildcard covers one label");
  assert.equal(certs.certFor("").cert, "cert a", "no SNI: the default");
  assert.equal(certs.certFor("plain.test").cert, "cert a", "a server without a certificate");
  certs.update([server(["a.test"], "a2")]);
  assert.equal(certs.certFor("b.test").key, "key a2");
});
