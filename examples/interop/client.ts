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
 * instead (for test harnesses).
 *
 * @module
 */

import { createChannel } from "../../mod.ts";
import { CASE_NAMES, runCase } from "./test_cases.ts";
import { parseFlags } from "./server.ts";

if (import.meta.main) {
  const flags = parseFlags(Deno.args);
  if (flags.get("use_tls") === "true") {
    console.error("--use_tls=true is not supported by this example");
    Deno.exit(2);
  }
  const host = flags.get("server_host") ?? "127.0.0.1";
  const port = Number(flags.get("server_port") ?? 10000);
  const testCase = flags.get("test_case") ?? "all";
  const json = flags.get("json") === "true";
  const names = testCase === "all" ? CASE_NAMES : testCase.split(",");
  const unknown = names.filter((n) => !CASE_NAMES.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown test case(s): ${unknown.join(", ")}`);
    console.error(`known: ${CASE_NAMES.join(", ")}`);
    Deno.exit(2);
  }
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
