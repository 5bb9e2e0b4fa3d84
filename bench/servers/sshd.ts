/**
 * OpenSSH remote forwarding (`ssh -R`) as a tunnel peer: a private sshd on a loopback port
 * (temporary host key, one authorized key, nothing read from /etc/ssh) and an `ssh -N` client
 * that asks it to listen on ports and hand their connections back down the SSH connection.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

const LOOPBACK = "127.0.0.1";

/** Where sshd looks for its privilege-separation directory (Debian's build). */
export const PRIVSEP_DIR = "/run/sshd";

/** Files of one private sshd, all under its directory. */
export interface SshdFiles {
  /** The host key (private; `.pub` beside it). */
  hostKey: string;
  /** The client's key (private; `.pub` beside it). */
  clientKey: string;
  /** The client's public key, the only one sshd accepts. */
  authorizedKeys: string;
  /** sshd's configuration. */
  config: string;
  /** sshd's pid file. */
  pidFile: string;
}

/**
 * The file names of a private sshd in `dir`.
 * @param dir a private temp directory
 * @returns the paths
 */
export function sshdFiles(dir: string): SshdFiles {
  return {
    hostKey: `${dir}/host_ed25519`,
    clientKey: `${dir}/client_ed25519`,
    authorizedKeys: `${dir}/authorized_keys`,
    config: `${dir}/sshd_config`,
    pidFile: `${dir}/sshd.pid`,
  };
}

/**
 * The sshd configuration: loopback only, public-key authentication with one authorized key,
 * TCP forwarding allowed, no PAM, no DNS lookups, quiet logs on stderr.
 * @param port the loopback port
 * @param files the key and pid files
 * @returns the configuration text
 */
export function sshdConfig(port: number, files: SshdFiles): string {
  return `Port ${port}
ListenAddress ${LOOPBACK}
HostKey ${files.hostKey}
PidFile ${files.pidFile}
AuthorizedKeysFile ${files.authorizedKeys}
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
AllowTcpForwarding yes
GatewayPorts no
MaxStartups 100
LogLevel ERROR
`;
}

/**
 * Makes the keys, writes the configuration and runs `sshd -D -e -f <config>` (foreground,
 * logs on stderr). sshd must be started by its absolute path (it re-executes itself).
 * @param dir a private temp directory
 * @param port the loopback port
 * @returns the ready process (its per-connection children hold the forwarded sockets)
 */
export async function startSshd(dir: string, port: number): Promise<ManagedProcess> {
  const files = sshdFiles(dir);
  await keygen(files.hostKey);
  await keygen(files.clientKey);
  await Deno.copyFile(`${files.clientKey}.pub`, files.authorizedKeys);
  await Deno.writeTextFile(files.config, sshdConfig(port, files));
  await Deno.mkdir(PRIVSEP_DIR, { recursive: true });
  return await startServer("sshd", [await sshdPath(), "-D", "-e", "-f", files.config], [port]);
}

/** One `-R` forward: sshd listens on `listenPort`, the client connects `targetPort`. */
export interface RemoteForward {
  /** Where sshd listens (on loopback). */
  listenPort: number;
  /** What the ssh client connects for each connection (on loopback). */
  targetPort: number;
}

/**
 * The `ssh` command line of the forwarding client: no shell (`-N`), no user configuration,
 * the key made by `startSshd`, no host-key checks, and fail if a forward is refused.
 * @param dir the sshd's directory (its client key)
 * @param sshdPort the sshd's port
 * @param forwards the remote forwards
 * @param user the login name (the user running the benchmark)
 * @returns argv
 */
export function sshRemoteArgs(
  dir: string,
  sshdPort: number,
  forwards: readonly RemoteForward[],
  user: string,
): string[] {
  return [
    "ssh",
    "-N",
    "-F",
    "/dev/null",
    "-i",
    sshdFiles(dir).clientKey,
    "-p",
    String(sshdPort),
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "LogLevel=ERROR",
    ...forwards.flatMap((f) => ["-R", `${LOOPBACK}:${f.listenPort}:${LOOPBACK}:${f.targetPort}`]),
    `${user}@${LOOPBACK}`,
  ];
}

/**
 * Runs the forwarding `ssh -N -R ...` client against a sshd from `startSshd`.
 * @param dir the sshd's directory (its client key)
 * @param sshdPort the sshd's port
 * @param forwards the remote forwards
 * @param probe a check through the forwards once they listen
 * @returns the ready process, once every forwarded port accepts and the probe passed
 */
export async function startSshRemote(
  dir: string,
  sshdPort: number,
  forwards: readonly RemoteForward[],
  probe?: (signal: AbortSignal) => Promise<void>,
): Promise<ManagedProcess> {
  const user = await whoami();
  return await startServer(
    "ssh -R",
    sshRemoteArgs(dir, sshdPort, forwards, user),
    forwards.map((f) => f.listenPort),
    { probe },
  );
}

async function keygen(path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-C", "wmproxy-bench", "-f", path],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`ssh-keygen failed: ${new TextDecoder().decode(stderr).trim()}`);
}

async function sshdPath(): Promise<string> {
  const { success, stdout } = await new Deno.Command("sh", {
    args: ["-c", "command -v sshd || ls /usr/sbin/sshd"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const path = new TextDecoder().decode(stdout).trim().split("\n")[0];
  if (!success || !path.startsWith("/")) throw new Error("sshd not found");
  return path;
}

async function whoami(): Promise<string> {
  const { stdout } = await new Deno.Command("id", { args: ["-un"], stdout: "piped" }).output();
  return new TextDecoder().decode(stdout).trim();
}
