/** Reads `net.ipv4.tcp_migrate_req`; undefined where the kernel has no such setting. */
export async function readTcpMigrateReq(): Promise<number | undefined> {
  try {
    return Number((await Deno.readTextFile("/proc/sys/net/ipv4/tcp_migrate_req")).trim());
  } catch {
    return undefined;
  }
}

/** The soft "Max open files" limit (`ulimit -n`); undefined when unknown or unlimited. */
export async function readOpenFileLimit(): Promise<number | undefined> {
  try {
    const text = await Deno.readTextFile("/proc/self/limits");
    const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
