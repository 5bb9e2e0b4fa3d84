/**
 * The test PKI, made with openssl: a throw-away CA and leaf certificates it signs, so that
 * clients (curl --cacert, Deno with DENO_CERT, python's ssl) verify them as they would real
 * ones; and a self-signed certificate for peers that are trusted directly.
 * @module
 */
import { decoder } from "./bytes.ts";

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

/** EC P-256 keys: quick to make. */
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!r.success) throw new Error(`openssl ${args.join(" ")}: ${decoder.decode(r.stderr)}`);
}

/**
 * Makes a CA in `dir` and one leaf per entry of `names`; each entry is a list of DNS names
 * (the first names the files), and every leaf also covers IP 127.0.0.1.
 */
export async function makePki(dir: string, names: readonly string[][]): Promise<TestPki> {
  // deno-fmt-ignore
  await openssl(dir, "req", "-x509", ...EC_KEY, "-keyout", "ca.key", "-out", "ca.crt",
    "-days", "2", "-subj", "/CN=wmproxy test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  const leaves: Record<string, Leaf> = {};
  for (const list of names) {
    const n = list[0];
    await openssl(
      dir,
      "req",
      ...EC_KEY,
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
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n` +
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    // deno-fmt-ignore
    await openssl(dir, "x509", "-req", "-in", `${n}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key",
      "-CAcreateserial", "-out", `${n}.crt`, "-days", "2", "-extfile", `${n}.ext`);
    leaves[n] = {
      certFile: `${dir}/${n}.crt`,
      keyFile: `${dir}/${n}.key`,
      cert: await Deno.readTextFile(`${dir}/${n}.crt`),
      key: await Deno.readTextFile(`${dir}/${n}.key`),
    };
  }
  return { caFile: `${dir}/ca.crt`, leaves };
}

/**
 * A self-signed server certificate for `name` and 127.0.0.1, written to `dir`. It is marked
 * `CA:FALSE`: rustls (Deno) refuses a server certificate marked CA:TRUE, which is what
 * `openssl req -x509` makes by default (CaUsedAsEndEntity).
 */
export async function selfSignedCertificate(
  dir: string,
  name: string,
): Promise<{ cert: string; key: string }> {
  // deno-fmt-ignore
  await openssl(dir, "req", "-x509", ...EC_KEY, "-keyout", "self.key", "-out", "self.pem",
    "-days", "2", "-subj", `/CN=${name}`,
    "-addext", `subjectAltName=DNS:${name},IP:127.0.0.1`,
    "-addext", "basicConstraints=critical,CA:FALSE");
  return { cert: `${dir}/self.pem`, key: `${dir}/self.key` };
}
