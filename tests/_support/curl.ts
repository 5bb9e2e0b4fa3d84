/**
 * curl run the way a user runs it, with a clean environment (no proxy variables), silent but
 * showing errors.
 * @module
 */
import { decoder } from "./bytes.ts";
import type { RunResult } from "./process.ts";

/** The headers that make a curl request a WebSocket upgrade (RFC 6455's sample key). */
export const WS_UPGRADE_HEADERS: readonly string[] = [
  "-H",
  "Connection: Upgrade",
  "-H",
  "Upgrade: websocket",
  "-H",
  "Sec-WebSocket-Version: 13",
  "-H",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
];

/** Runs `curl -sS --max-time 30 ...args`; a later `--max-time` in `args` wins. */
export async function curl(args: readonly string[]): Promise<RunResult> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "30", ...args],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/nonexistent" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** curl's status code for a URL (`-o /dev/null -w %{http_code}`), plus extra args. */
export async function status(url: string, ...args: string[]): Promise<number> {
  const r = await curl(["-o", "/dev/null", "-w", "%{http_code}", ...args, url]);
  return Number(r.stdout);
}

/** A response as curl printed it: status, headers (lower-case names) and body text. */
export interface CurlResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Runs `curl -i` with `args` (add the URL) and parses the last response it printed. */
export async function curlResponse(...args: string[]): Promise<CurlResponse> {
  const out = await curl(["-i", "--max-time", "20", ...args]);
  if (out.code !== 0) throw new Error(`curl ${args.join(" ")}: ${out.stderr}`);
  const text = out.stdout;
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(head[0].split(" ")[1]), headers, body: text.slice(split + 4) };
}

/** The subject CN of the certificate a TLS server at `port` presents for SNI `name`. */
export async function servedCertName(
  port: number,
  name: string,
  caFile: string,
): Promise<string> {
  const r = await curl([
    "-v",
    "-o",
    "/dev/null",
    "--cacert",
    caFile,
    "--resolve",
    `${name}:${port}:127.0.0.1`,
    `https://${name}:${port}/`,
  ]);
  const text = r.stderr;
  return /subject: CN ?= ?([^\s,]+)/.exec(text)?.[1] ?? `(no certificate: ${text.slice(-300)})`;
}
