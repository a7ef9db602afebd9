/**
 * gRPC interop test client (`doc/interop-test-descriptions.md`, "Client"
 * section):
 *
 * ```sh
 * deno run --allow-net examples/interop/client.ts \
 *   --server_host=127.0.0.1 --server_port=10000 --test_case=large_unary
 * ```
 *
 * `--test_case=all` (the default) runs every case; a comma-separated list
 * runs several. Prints `PASS <case>` or `FAIL <case>: <reason>` per case and
 * exits non-zero if any failed. `--json` prints one JSON object per case
 * instead (for test harnesses); `--help` lists the flags.
 *
 * @module
 */

import { createChannel } from "../../mod.ts";
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

/** The command line of this program (gRPC's interop client flags). */
export const CLIENT_FLAGS: FlagSpec = {
  usage:
    `Usage: deno task interop:client [--server_host HOST] [--server_port N] [--test_case CASES] [--json]
       deno run --allow-net examples/interop/client.ts [flags]

Runs gRPC's interop test cases against a grpc.testing.TestService server;
prints "PASS <case>" or "FAIL <case>: <reason>" per case and exits 1 if any
failed.

  --server_host HOST          the server's host (default 127.0.0.1)
  --server_port N             the server's port (default 10000)
  --test_case CASES           "all" (default) or a comma-separated list of:
${wrap(CASE_NAMES, 30, 80)}
  --json                      one JSON object per case instead of text
  --use_tls                   only --use_tls=false: TLS is not supported here
  --use_test_ca               accepted; meaningless without TLS
  --server_host_override NAME accepted; meaningless without TLS
  -h, --help                  print this text

Values go as --flag value or --flag=value.`,
  string: ["server_host", "server_port", "test_case", "server_host_override"],
  boolean: ["json", "use_tls", "use_test_ca"],
};

if (import.meta.main) {
  const { host, port, names, json } = parseFlagsOrExit(
    Deno.args,
    CLIENT_FLAGS,
    (flags) => {
      if (flags.switches.has("use_tls")) {
        throw new FlagError("--use_tls=true is not supported by this example");
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
      };
    },
  );
  const authority = host.includes(":")
    ? `[${host}]:${port}`
    : `${host}:${port}`;
  let failed = 0;
  {
    await using channel = createChannel(authority);
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
