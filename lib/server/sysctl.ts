/** Reads `net.ipv4.tcp_migrate_req`; undefined where the kernel has no such setting. */
export async function readTcpMigrateReq(): Promise<number | undefined> {
  try {
    return Number((await Deno.readTextFile("/proc/sys/net/ipv4/tcp_migrate_req")).trim());
  } catch {
    return undefined;
  }
}
