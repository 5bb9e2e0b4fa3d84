/**
 * A real OpenSSH server (Debian's openssh-server) for the tests: a non-daemon sshd on a
 * loopback port with a temporary host key and one temporary client key, and the `ssh` command
 * that logs in with that key.
 * @module
 */
import { decoder } from "./bytes.ts";
import type { RunResult } from "./process.ts";

/** The sshd binary (sshd refuses to run by a relative path). */
export const SSHD = "/usr/sbin/sshd";

/** A running sshd that accepts `root` with {@link Sshd.identity}. */
export interface Sshd {
  readonly port: number;
  /** The private key `ssh -i` logs in with. */
  readonly identity: string;
  close(): Promise<void>;
}

async function keygen(path: string): Promise<void> {
  const out = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-f", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ssh-keygen: ${decoder.decode(out.stderr)}`);
}

/** Starts sshd on 127.0.0.1:`port`, its files in `dir` (absolute); resolves once it listens. */
export async function startSshd(dir: string, port: number): Promise<Sshd> {
  await keygen(`${dir}/host_key`);
  await keygen(`${dir}/id`);
  await Deno.copyFile(`${dir}/id.pub`, `${dir}/authorized_keys`);
  // Privilege separation needs this directory; Debian creates it only in the service unit.
  await Deno.mkdir("/run/sshd", { recursive: true });
  await Deno.writeTextFile(
    `${dir}/sshd_config`,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "PidFile none",
      "StrictModes no",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command(SSHD, {
    args: ["-D", "-e", "-f", `${dir}/sshd_config`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const listening = (async () => {
    while (!log.includes("Server listening on")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`sshd exited:\n${log}`);
      log += value;
    }
  })();
  const drain = listening.then(async () => {
    while (!(await reader.read()).done) {
      // keep the pipe flowing
    }
  }).catch(() => {});
  try {
    await listening;
  } catch (e) {
    await child.status;
    throw e;
  }
  return {
    port,
    identity: `${dir}/id`,
    async close() {
      try {
        child.kill("SIGTERM");
      } catch {
        // gone already
      }
      await child.status;
      await drain;
    },
  };
}

/** Runs `ssh root@127.0.0.1 -p PORT -i IDENTITY COMMAND...` without host key checks. */
export async function ssh(
  port: number,
  identity: string,
  command: readonly string[],
): Promise<RunResult> {
  const out = await new Deno.Command("ssh", {
    args: [
      "-p",
      String(port),
      "-i",
      identity,
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      "-o",
      "LogLevel=ERROR",
      "root@127.0.0.1",
      ...command,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
