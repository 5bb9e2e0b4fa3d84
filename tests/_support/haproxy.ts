/**
 * HAProxy as a real peer: a config of one thread and test timeouts plus the given sections,
 * run in the foreground (`-db`) until stopped.
 * @module
 */

/** A running HAProxy. */
export interface Haproxy {
  /** Kills it and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Writes `dir/haproxy.cfg` (`global` with one thread, `defaults` with the timeouts and the
 * `defaults` lines given, then `sections`) and starts HAProxy on it.
 */
export async function startHaproxy(
  dir: string,
  defaults: readonly string[],
  sections: string,
): Promise<Haproxy> {
  const path = `${dir}/haproxy.cfg`;
  const head = ["global", "  nbthread 1", "defaults", "  timeout connect 5s"]
    .concat(["  timeout client 30s", "  timeout server 30s"], defaults.map((d) => `  ${d}`));
  await Deno.writeTextFile(path, `${head.join("\n")}\n${sections}`);
  const child = new Deno.Command("haproxy", {
    args: ["-f", path, "-db"],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  return {
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
      await child.status;
    },
  };
}

/**
 * HAProxy in `mode http` on 127.0.0.1:`port` in front of 127.0.0.1:`backend`, sending each
 * backend connection a PROXY v2 header, with `http-reuse never` (the setting
 * docs/config/stream.md advises for `send-proxy` backends).
 */
export function startHaproxySendProxyV2(
  dir: string,
  port: number,
  backend: number,
): Promise<Haproxy> {
  return startHaproxy(
    dir,
    ["mode http", "http-reuse never"],
    `frontend f
  bind 127.0.0.1:${port}
  default_backend b
backend b
  server s 127.0.0.1:${backend} send-proxy-v2
`,
  );
}
