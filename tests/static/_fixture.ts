import { StaticFiles } from "../../lib/static/files.ts";
import type { StaticOptions } from "../../lib/static/options.ts";

const decoder = new TextDecoder();

/** A temp tree served by `Deno.serve` + {@link StaticFiles} on 127.0.0.1:0. */
export interface Served {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  readonly port: number;
  /** The temp directory: `root/` is served, `outside/` is not. */
  readonly dir: string;
  readonly root: string;
  readonly files: StaticFiles;
  close(): Promise<void>;
}

/** Writes `tree` (path → content) below `dir/root` and `dir/outside`, serves `dir/root`. */
export async function serveTree(
  tree: Record<string, string | Uint8Array>,
  options: Partial<StaticOptions> = {},
): Promise<Served> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-static-" });
  const root = `${dir}/root`;
  await Deno.mkdir(root);
  await Deno.mkdir(`${dir}/outside`);
  await Deno.writeTextFile(`${dir}/outside/secret.txt`, "TOP SECRET\n");
  await Deno.writeTextFile(`${dir}/secret.txt`, "TOP SECRET\n");
  for (const [path, content] of Object.entries(tree)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
  const files = new StaticFiles({ root, ...options });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => files.handle(req),
  );
  const port = server.addr.port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    dir,
    root,
    files,
    async close() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A curl run: status, headers (lower-case names) and body text. */
export interface CurlResult {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Runs curl with `args` (add the URL) and parses the last response it printed. */
export async function curl(...args: string[]): Promise<CurlResult> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-S", "-i", "--max-time", "20", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`curl ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
  const text = decoder.decode(out.stdout);
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(head[0].split(" ")[1]), headers, body: text.slice(split + 4) };
}

/** Sends `request` as raw bytes on a new connection and returns the whole reply as text. */
export async function raw(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return chunks.map((c) => decoder.decode(c)).join("");
  } finally {
    conn.close();
  }
}

/** The status code of a raw reply. */
export function statusOf(reply: string): number {
  return Number(reply.split(" ")[1]);
}
