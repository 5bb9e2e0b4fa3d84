/**
 * nginx as the HTTP backend: one process answering `200 ok` to everything (and, when asked,
 * serving one large file at `/bulk`, bodies of given sizes, and `stub_status`).
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** The path of the large file `NginxOptions.bulkBytes` adds. */
export const BULK_PATH = "/bulk";

/** Options of `startNginx` and `nginxConfig`. */
export interface NginxOptions {
  /**
   * Also serve a file of this many bytes (zeros, a sparse file: no disk written) at `/bulk`,
   * with sendfile, for throughput runs. @default none
   */
  bulkBytes?: number;
  /**
   * Extra exact-match locations, each answering 200 with a body of `bytes` bytes (`x`s):
   * `"return"` puts the body in the configuration (`return 200 "..."`), `"file"` writes it to
   * `<dir>/<name>` and serves it with sendfile. @default none
   */
  bodies?: readonly NginxBody[];
  /** Also answer `stub_status` at `STATUS_PATH` (for the `accepts` counter). @default false */
  stubStatus?: boolean;
}

/** One sized body of `NginxOptions.bodies`. */
export interface NginxBody {
  /** The location, e.g. `/1k`. */
  path: string;
  /** Body length. */
  bytes: number;
  /** From the configuration text, or from a file with sendfile. */
  via: "return" | "file";
}

/** Where `NginxOptions.stubStatus` puts nginx's `stub_status`. */
export const STATUS_PATH = "/nginx_status";

/**
 * Writes `<dir>/nginx.conf` and runs `nginx -p <dir> -c <dir>/nginx.conf -e <dir>/error.log`
 * in the foreground with a single process (no master, no daemon).
 * @param dir a private temp directory used as nginx's prefix
 * @param port loopback port to listen on
 * @param options a large file to serve
 * @returns the ready process
 */
export async function startNginx(
  dir: string,
  port: number,
  options: NginxOptions = {},
): Promise<ManagedProcess> {
  if (options.bulkBytes !== undefined) {
    await Deno.writeFile(`${dir}/bulk`, new Uint8Array());
    await Deno.truncate(`${dir}/bulk`, options.bulkBytes);
  }
  for (const body of options.bodies ?? []) {
    if (body.via === "file") await Deno.writeTextFile(bodyFile(dir, body), "x".repeat(body.bytes));
  }
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxConfig(dir, port, options));
  return await startServer("nginx", ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`], [
    port,
  ]);
}

/**
 * The nginx configuration: everything under `dir`, no access log, and keep-alive connections
 * that are never closed by nginx mid-run, so the proxies see steady streams.
 * @param dir prefix directory
 * @param port loopback port
 * @param options a large file to serve (`<dir>/bulk`, which `startNginx` creates)
 * @returns the configuration text
 */
export function nginxConfig(dir: string, port: number, options: NginxOptions = {}): string {
  const bulk = options.bulkBytes === undefined ? "" : `
    location = ${BULK_PATH} {
      alias ${dir}/bulk;
      default_type application/octet-stream;
      sendfile on;
    }`;
  const bodies = (options.bodies ?? []).map((body) =>
    body.via === "return"
      ? `
    location = ${body.path} {
      default_type application/octet-stream;
      return 200 "${"x".repeat(body.bytes)}";
    }`
      : `
    location = ${body.path} {
      alias ${bodyFile(dir, body)};
      default_type application/octet-stream;
      sendfile on;
    }`
  ).join("");
  const status = options.stubStatus
    ? `
    location = ${STATUS_PATH} {
      stub_status;
    }`
    : "";
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  server {
    listen 127.0.0.1:${port};
    location / {
      return 200 "ok\\n";
    }${bulk}${bodies}${status}
  }
}
`;
}

function bodyFile(dir: string, body: NginxBody): string {
  return `${dir}/body${body.path.replaceAll("/", "_")}`;
}

/**
 * The `accepts` counter of nginx's `stub_status` page: connections it accepted so far.
 * @param text the page, e.g. `Active connections: 1 \nserver accepts handled requests\n 5 5 9 \n...`
 * @returns the counter
 * @throws Error when the page has no counters
 */
export function parseStubStatusAccepts(text: string): number {
  const match = /accepts handled requests\s+(\d+)\s+\d+\s+\d+/.exec(text);
  if (match === null) throw new Error(`no stub_status counters in "${text.trim()}"`);
  return Number(match[1]);
}

/**
 * Reads the `accepts` counter of the nginx on `port` (started with `stubStatus`) over a new
 * connection with `Connection: close`, and subtracts that connection, so two reads differ by
 * exactly the connections others opened in between.
 * @param port the nginx's loopback port
 * @returns connections accepted before this read
 */
export async function readNginxAccepts(port: number): Promise<number> {
  return parseStubStatusAccepts(await readStubStatus(port)) - 1;
}

/**
 * Reads the `Active connections` figure of the nginx on `port` (started with `stubStatus`),
 * less the connection that reads it.
 * @param port the nginx's loopback port
 * @returns client connections open besides this read
 */
export async function readNginxActive(port: number): Promise<number> {
  return parseStubStatusActive(await readStubStatus(port)) - 1;
}

/**
 * The `Active connections` figure of nginx's `stub_status` page.
 * @param text the page, e.g. `Active connections: 1 \nserver accepts handled requests\n...`
 * @returns open client connections, the reading one included
 * @throws Error when the page has no such line
 */
export function parseStubStatusActive(text: string): number {
  const match = /^Active connections:\s*(\d+)/m.exec(text);
  if (match === null) throw new Error(`no stub_status active count in "${text.trim()}"`);
  return Number(match[1]);
}

async function readStubStatus(port: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `GET ${STATUS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    let bytes = new TextEncoder().encode(request);
    while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(4096);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, c) => {
        const next = new Uint8Array(all.length + c.length);
        next.set(all);
        next.set(c, all.length);
        return next;
      }, new Uint8Array()),
    );
    return text;
  } finally {
    conn.close();
  }
}
