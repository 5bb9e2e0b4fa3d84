/**
 * The processes of the `h2` case: an nginx origin (`return 200` with a 1 KiB body), and two
 * HTTP/2 fronts over TLS on the same certificate, each proxying `/` to that origin and serving
 * a directory under `/files/`: nginx (`http2 on`, one worker) and ours (a `bind_ssl`
 * `[[http.server]]`).
 * @module
 */

import type { Attempt } from "../../lib/attempt.ts";
import { createLauncher } from "../../lib/launch.ts";
import { freePorts } from "../../lib/ports.ts";
import { type ManagedProcess, stopProcess } from "../../lib/process.ts";
import type { CaseOptions } from "../../lib/types.ts";
import { startNginx } from "../../servers/nginx.ts";
import { startNginxH2 } from "../../servers/nginx_h2.ts";
import { startWmproxy } from "../../servers/wmproxy.ts";

/** The proxied path (1 KiB from the origin) and the static file (1 KiB). */
export const PROXIED = "/1k";
export const FILE = "/files/1k.bin";

/** Every server; one that failed to start holds its reason instead. */
export interface H2Fleet {
  origin: Attempt<ManagedProcess>;
  nginx: Attempt<ManagedProcess>;
  ours: Attempt<ManagedProcess>;
  /** TLS ports of the two fronts. */
  ports: { nginx: number; ours: number };
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * Makes a self-signed certificate and the served file in `dir` and starts every server.
 * @param dir a private temp directory
 * @param options the case options
 * @returns the fleet; the caller stops `started` in a `finally`
 */
export async function startH2Fleet(dir: string, options: CaseOptions): Promise<H2Fleet> {
  const root = `${dir}/www`;
  await Deno.mkdir(root);
  await Deno.writeFile(`${root}/1k.bin`, crypto.getRandomValues(new Uint8Array(1024)));
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  const made = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!made.success) throw new Error("openssl could not make the certificate");
  const [originPort, nginxPort, oursPort] = freePorts(3);
  const { launch, started } = createLauncher(dir, options);
  try {
    const origin = await launch({
      name: "origin",
      needs: ["nginx"],
      start: (sub) =>
        startNginx(sub, originPort, { bodies: [{ path: PROXIED, bytes: 1024, via: "return" }] }),
    });
    return {
      origin,
      nginx: await launch({
        name: "nginx-h2",
        needs: ["nginx", origin],
        start: (sub) => startNginxH2(sub, { port: nginxPort, originPort, root, cert, key }),
      }),
      ours: await launch({
        name: "wmproxy-h2",
        needs: [origin],
        start: (sub) =>
          startWmproxy(
            sub,
            `[[http.server]]
bind_ssl = "127.0.0.1:${oursPort}"
cert = ${JSON.stringify(cert)}
key = ${JSON.stringify(key)}
[[http.server.location]]
rule = "/files"
file_server = { root = ${JSON.stringify(root)}, prefix = "/files" }
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${originPort}"
`,
            { tcp: [oursPort] },
          ),
      }),
      ports: { nginx: nginxPort, ours: oursPort },
      started,
    };
  } catch (error) {
    for (const process of started.toReversed()) await stopProcess(process);
    throw error;
  }
}
