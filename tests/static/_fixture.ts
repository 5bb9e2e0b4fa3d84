/** A temp tree served by {@link StaticFiles} for the static-file tests. */
import { StaticFiles } from "../../lib/static/files.ts";
import type { StaticOptions } from "../../lib/static/options.ts";

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
