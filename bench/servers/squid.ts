/**
 * Squid as a peer HTTP forward proxy: one process (`-N`, `workers 1`), no cache, no access log.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** Options of `startSquid`. */
export interface SquidOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /** A request through the proxy that must succeed before it counts as ready. @default none */
  probe?: (signal: AbortSignal) => Promise<void>;
}

/** Options of `squidConfig`. */
export interface SquidConfigOptions {
  /** Loopback port to listen on. */
  listenPort: number;
  /**
   * The user squid switches to when started as root (it refuses to work as root), who must be
   * able to write `dir`; null when not started as root. @default null
   */
  effectiveUser?: string | null;
}

/**
 * Writes `<dir>/squid.conf` and runs `squid -N -f <cfg>` (foreground, no daemon). Started as
 * root, squid works as the `proxy` user (`nobody` if there is none): `dir` is handed to that
 * user for the cache log, and its parent is made traversable (not readable) by others.
 * @param dir a private temp directory for the config, cache log and pid file
 * @param options port and readiness probe
 * @returns the ready process
 */
export async function startSquid(dir: string, options: SquidOptions): Promise<ManagedProcess> {
  let effectiveUser: string | null = null;
  if (Deno.uid() === 0) {
    effectiveUser = await userExists("proxy") ? "proxy" : "nobody";
    const ids = await userIds(effectiveUser);
    await Deno.chown(dir, ids.uid, ids.gid);
    await Deno.chmod(`${dir}/..`, 0o711);
  }
  const cfg = `${dir}/squid.conf`;
  await Deno.writeTextFile(
    cfg,
    squidConfig(dir, { listenPort: options.listenPort, effectiveUser }),
  );
  return await startServer("squid", ["squid", "-N", "-f", cfg], [options.listenPort], {
    probe: options.probe,
  });
}

/**
 * The squid configuration: loopback clients only, nothing cached, no access or store log, the
 * cache log and pid file in `dir`, one worker, no pinger helper, persistent connections on
 * both sides, and a 1 s shutdown so stopping it does not wait for the default 30 s.
 * @param dir the directory for the cache log, pid file and core dumps
 * @param options port and the user squid works as
 * @returns the configuration text
 */
export function squidConfig(dir: string, options: SquidConfigOptions): string {
  const user = options.effectiveUser ?? null;
  return `http_port 127.0.0.1:${options.listenPort}
workers 1
${user === null ? "" : `cache_effective_user ${user}\n`}
acl bench_clients src 127.0.0.0/8
http_access allow bench_clients
http_access deny all

cache deny all
access_log none
cache_store_log none
cache_log ${dir}/cache.log
pid_filename ${dir}/squid.pid
coredump_dir ${dir}
netdb_filename none
pinger_enable off

client_persistent_connections on
server_persistent_connections on
shutdown_lifetime 1 seconds
`;
}

async function userExists(name: string): Promise<boolean> {
  const { success } = await new Deno.Command("id", {
    args: ["-u", name],
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  async function id(flag: string): Promise<number> {
    const { success, stdout } = await new Deno.Command("id", { args: [flag, name], stderr: "null" })
      .output();
    const value = Number(new TextDecoder().decode(stdout).trim());
    if (!success || !Number.isInteger(value)) throw new Error(`no user "${name}" for squid`);
    return value;
  }
  return { uid: await id("-u"), gid: await id("-g") };
}
