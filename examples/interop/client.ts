/**
 * gRPC interop test client (`doc/interop-test-descriptions.md`, "Client"
 * section):
 *
 * ```sh
 * deno run --allow-net examples/interop/client.ts \
 *   --server_host=127.0.0.1 --server_port=10000 --test_case=large_unary
 * ```
 *
 * Over TLS, with a CA and the name the server's certificate carries:
 *
 * ```sh
 * deno run --allow-net --allow-read examples/interop/client.ts \
 *   --server_port=10000 --use_tls --ca_file=ca.pem \
 *   --server_host_override=foo.test.google.fr
 * ```
 *
 * `--test_case=all` (the default) runs every case; a comma-separated list
 * runs several. Prints `PASS <case>` or `FAIL <case>: <reason>` per case and
 * exits non-zero if any failed. `--json` prints one JSON object per case
 * instead (for test harnesses); `--help` lists the flags.
 *
 * @module
 */

import { type ChannelOptions, createChannel } from "../../mod.ts";
import { CASE_NAMES, runCase } from "./test_cases.ts";
import {
  FlagError,
  type FlagSpec,
  parseFlagsOrExit,
  parsePort,
} from "../_flags.ts";

/** `items` comma-separated, in lines of at most `width`, indented by `indent`. */
function wrap(items: readonly string[], indent: number, width: number): string {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    if (line !== "" && indent + line.length + item.length + 2 > width) {
      lines.push(pad + line + ",");
      line = "";
    }
    line += line === "" ? item : `, ${item}`;
  }
  lines.push(pad + line);
  return lines.join("\n");
}

/** How the client reaches the server: gRPC's interop client TLS flags. */
export interface InteropTlsFlags {
  /** `--use_tls`. */
  useTls: boolean;
  /** `--ca_file`'s text: the CA to trust besides the system roots. */
  ca?: string;
  /** `--server_host_override`: the name for SNI, certificates, :authority. */
  serverHostOverride?: string;
}

/**
 * The channel options for the interop client's TLS flags: TLS with the CA
 * and the override as server name and `:authority` (as grpc-go's and
 * grpc-java's interop clients do), or plaintext.
 *
 * @example TLS to 127.0.0.1 with a certificate for *.test.google.fr
 * ```ts ignore
 * const options = interopChannelOptions({
 *   useTls: true,
 *   ca: await Deno.readTextFile("ca.pem"),
 *   serverHostOverride: "foo.test.google.fr",
 * });
 * const channel = createChannel("127.0.0.1:10000", options);
 * ```
 *
 * @param flags the TLS flags
 * @returns options for `createChannel`
 */
export function interopChannelOptions(flags: InteropTlsFlags): ChannelOptions {
  if (!flags.useTls) return {};
  const override = flags.serverHostOverride;
  return {
    tls: {
      caCerts: flags.ca === undefined ? undefined : [flags.ca],
      serverName: override,
    },
    authority: override,
  };
}

/** The command line of this program (gRPC's interop client flags). */
export const CLIENT_FLAGS: FlagSpec = {
  usage:
    `Usage: deno task interop:client [--server_host HOST] [--server_port N] [--test_case CASES] [--json] [--use_tls ...]
       deno run --allow-net --allow-read examples/interop/client.ts [flags]

Runs gRPC's interop test cases against a grpc.testing.TestService server;
prints "PASS <case>" or "FAIL <case>: <reason>" per case and exits 1 if any
failed.

  --server_host HOST          the server's host (default 127.0.0.1)
  --server_port N             the server's port (default 10000)
  --test_case CASES           "all" (default) or a comma-separated list of:
${wrap(CASE_NAMES, 30, 80)}
  --json                      one JSON object per case instead of text
  --use_tls                   TLS (ALPN h2), trusting the system roots and
                              --ca_file
  --ca_file FILE              PEM CA certificate(s) to trust
  --use_test_ca               trust gRPC's test CA: not bundled, so it needs
                              --ca_file with that CA
  --server_host_override NAME name for SNI, the certificate check and
                              :authority (the connection goes to
                              --server_host)
  -h, --help                  print this text

Values go as --flag value or --flag=value.`,
  string: [
    "server_host",
    "server_port",
    "test_case",
    "server_host_override",
    "ca_file",
  ],
  boolean: ["json", "use_tls", "use_test_ca"],
};

if (import.meta.main) {
  const { host, port, names, json, tls } = parseFlagsOrExit(
    Deno.args,
    CLIENT_FLAGS,
    (flags) => {
      const useTls = flags.switches.has("use_tls");
      const caFile = flags.values.get("ca_file");
      const override = flags.values.get("server_host_override");
      if (flags.switches.has("use_test_ca") && caFile === undefined) {
        throw new FlagError(
          "--use_test_ca needs --ca_file: gRPC's test CA is not bundled",
        );
      }
      if (!useTls && (caFile !== undefined || override !== undefined)) {
        throw new FlagError(
          "--ca_file and --server_host_override need --use_tls",
        );
      }
      if (flags.positional.length > 0) {
        throw new FlagError(`unexpected argument ${flags.positional[0]}`);
      }
      const testCase = flags.values.get("test_case") ?? "all";
      const names = testCase === "all"
        ? CASE_NAMES
        : testCase.split(",").map((name) => name.trim());
      const unknown = names.filter((n) => !CASE_NAMES.includes(n));
      if (unknown.length > 0) {
        throw new FlagError(`unknown test case(s): ${unknown.join(", ")}`);
      }
      return {
        host: flags.values.get("server_host") ?? "127.0.0.1",
        port: parsePort(
          flags.values.get("server_port"),
          "--server_port",
          10000,
        ),
        names,
        json: flags.switches.has("json"),
        tls: { useTls, caFile, serverHostOverride: override },
      };
    },
  );
  const channelOptions = interopChannelOptions({
    ...tls,
    ca: tls.caFile === undefined
      ? undefined
      : await Deno.readTextFile(tls.caFile),
  });
  const authority = host.includes(":")
    ? `[${host}]:${port}`
    : `${host}:${port}`;
  let failed = 0;
  {
    await using channel = createChannel(authority, channelOptions);
    for (const name of names) {
      const result = await runCase(name, channel);
      if (!result.ok) failed++;
      if (json) console.log(JSON.stringify(result));
      else {
        const notes = result.notes.length > 0
          ? ` (${result.notes.join("; ")})`
          : "";
        console.log(
          result.ok
            ? `PASS ${name}${notes}`
            : `FAIL ${name}: ${result.error}${notes}`,
        );
      }
    }
  }
  if (!json) {
    console.log(`${names.length - failed}/${names.length} passed`);
  }
  Deno.exit(failed > 0 ? 1 : 0);
}
