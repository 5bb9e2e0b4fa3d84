/**
 * Helpers shared by the lib/pki tests: a TLS client that reports how verification went, and
 * openssl run on a certificate file.
 * @module
 */
import { decoder } from "../_support/bytes.ts";

/**
 * Dials 127.0.0.1:`port` and verifies the server as `serverName` against `caCerts`; returns
 * "ok" or the error a client would see.
 */
export async function verifyAs(
  port: number,
  serverName: string,
  caCerts: string[],
  extra: Partial<Deno.StartTlsOptions> = {},
): Promise<"ok" | Error> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const tls = await Deno.startTls(tcp, { hostname: serverName, caCerts, ...extra });
    try {
      await tls.handshake();
      return "ok";
    } finally {
      tls.close();
    }
  } catch (e) {
    try {
      tcp.close();
    } catch { /* closed with the TLS connection */ }
    return e as Error;
  }
}

/** Runs openssl with `args`; returns stdout, throws with stderr on failure. */
export async function openssl(...args: string[]): Promise<string> {
  const r = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) throw new Error(`openssl ${args.join(" ")}: ${decoder.decode(r.stderr)}`);
  return decoder.decode(r.stdout);
}
