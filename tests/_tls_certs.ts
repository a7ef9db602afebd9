/**
 * Test certificates made by openssl at test time (nothing secret is kept in
 * the repository): a CA, a server certificate named like gRPC's interop
 * `server1` (`*.test.google.fr`, `waterzooi.test.google.be`, IP
 * 192.168.1.3: never the address dialled, so a server name override is
 * needed), one for `localhost` / 127.0.0.1 / ::1, and a client certificate
 * for mutual TLS, all EC P-256 and signed by the CA.
 *
 * @module
 */

import { outputWithin, PROCESS_MS } from "./_bounded.ts";

/** PEM texts and the files they were written to. */
export interface TestCerts {
  /** The directory holding every file (remove it when done). */
  dir: string;
  /** The CA certificate (PEM), and its file. */
  ca: string;
  caFile: string;
  /** `*.test.google.fr` server certificate and key (PEM), and their files. */
  server: { cert: string; key: string; certFile: string; keyFile: string };
  /** `localhost` / 127.0.0.1 / ::1 server certificate and key. */
  localhost: { cert: string; key: string; certFile: string; keyFile: string };
  /** Client certificate (extendedKeyUsage clientAuth) and key. */
  client: { cert: string; key: string; certFile: string; keyFile: string };
}

/** The name to override with when dialling 127.0.0.1 (gRPC interop's). */
export const SERVER_HOST_OVERRIDE = "foo.test.google.fr";

/** Whether a command is on the PATH. */
export function has(command: string): boolean {
  try {
    return new Deno.Command("which", { args: [command], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function openssl(args: string[]): Promise<void> {
  const out = await outputWithin(
    "openssl",
    { args, stdout: "null" },
    PROCESS_MS,
    `openssl ${args[0]}`,
  );
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/** A key and a certificate signed by the CA in `dir`, with `ext` lines. */
async function leaf(
  dir: string,
  name: string,
  subject: string,
  ext: string,
): Promise<{ cert: string; key: string; certFile: string; keyFile: string }> {
  const keyFile = `${dir}/${name}.key`;
  const certFile = `${dir}/${name}.pem`;
  await openssl([
    "req",
    ...EC,
    "-nodes",
    "-subj",
    subject,
    "-keyout",
    keyFile,
    "-out",
    `${dir}/${name}.csr`,
  ]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/${name}.csr`,
    "-CA",
    `${dir}/ca.pem`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${dir}/${name}.ext`,
    "-out",
    certFile,
  ]);
  return {
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    certFile,
    keyFile,
  };
}

/**
 * Makes the CA and the three leaf certificates in a new temporary directory.
 *
 * @example
 * ```ts ignore
 * const certs = await makeTestCerts();
 * try { ... } finally { await Deno.remove(certs.dir, { recursive: true }); }
 * ```
 *
 * @returns the PEM texts and their files
 */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "denogrpc_certs_" });
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=denogrpc test CA",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
  ]);
  const server = await leaf(
    dir,
    "server1",
    "/CN=*.test.google.fr",
    "subjectAltName=DNS:*.test.google.fr,DNS:waterzooi.test.google.be," +
      "IP:192.168.1.3\nbasicConstraints=CA:FALSE\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  const localhost = await leaf(
    dir,
    "localhost",
    "/CN=localhost",
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n" +
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  const client = await leaf(
    dir,
    "client",
    "/CN=denogrpc test client",
    "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
  );
  return {
    dir,
    ca: await Deno.readTextFile(`${dir}/ca.pem`),
    caFile: `${dir}/ca.pem`,
    server,
    localhost,
    client,
  };
}
