/**
 * Test certificates made with openssl: a throw-away CA and leaf certificates it signs, so
 * that clients (curl --cacert, Deno with DENO_CERT) verify them as they would real ones.
 */

/** A leaf certificate and its key, as files and as PEM text. */
export interface Leaf {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** A CA and the leaves it signed. */
export interface TestPki {
  /** The CA certificate file, for `curl --cacert` and `DENO_CERT`. */
  readonly caFile: string;
  /** Leaves by their first name. */
  readonly leaves: Readonly<Record<string, Leaf>>;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!r.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/**
 * Makes a CA in `dir` and one leaf per entry of `names`; each entry is a list of DNS names
 * (the first names the files), and every leaf also covers IP 127.0.0.1.
 */
export async function makePki(dir: string, names: readonly string[][]): Promise<TestPki> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=wmproxy test CA",
  );
  const leaves: Record<string, Leaf> = {};
  for (const list of names) {
    const n = list[0];
    await openssl(
      dir,
      "req",
      ...ec,
      "-keyout",
      `${n}.key`,
      "-out",
      `${n}.csr`,
      "-subj",
      `/CN=${n}`,
    );
    const san = [...list.map((d) => `DNS:${d}`), "IP:127.0.0.1"].join(",");
    await Deno.writeTextFile(
      `${dir}/${n}.ext`,
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`,
    );
    await openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `${n}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${n}.crt`,
      "-days",
      "2",
      "-extfile",
      `${n}.ext`,
    );
    leaves[n] = {
      certFile: `${dir}/${n}.crt`,
      keyFile: `${dir}/${n}.key`,
      cert: await Deno.readTextFile(`${dir}/${n}.crt`),
      key: await Deno.readTextFile(`${dir}/${n}.key`),
    };
  }
  return { caFile: `${dir}/ca.crt`, leaves };
}

/** The subject CN of the certificate a TLS server at `port` presents for SNI `name` (via curl). */
export async function servedCertName(
  port: number,
  name: string,
  caFile: string,
): Promise<string> {
  const r = await new Deno.Command("curl", {
    args: [
      "-sv",
      "-o",
      "/dev/null",
      "--cacert",
      caFile,
      "--resolve",
      `${name}:${port}:127.0.0.1`,
      `https://${name}:${port}/`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stderr);
  return /subject: CN ?= ?([^\s,]+)/.exec(text)?.[1] ?? `(no certificate: ${text.slice(-300)})`;
}
