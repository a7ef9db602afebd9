/**
 * The machine the harness runs on (tool versions, CPUs, for the report and
 * the results file) and the one-time install of grpc-js for Node.
 *
 * @module
 */

import { runToEnd } from "./_proc.ts";
import { rel } from "./_impls.ts";

/** What the report's header and the results file say about the machine. */
export interface Env {
  deno: string;
  node: string;
  h2load: string;
  cpus: number;
  cpu_model: string;
}

async function version(argv: string[]): Promise<string> {
  try {
    return (await runToEnd(argv, 20_000)).trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

/**
 * Reads the versions of Deno, Node and h2load, and the CPUs.
 *
 * @returns the environment ("unavailable" for a missing tool)
 */
export async function describeEnv(): Promise<Env> {
  return {
    deno: Deno.version.deno,
    node: await version(["node", "--version"]),
    h2load: await version(["h2load", "--version"]),
    cpus: navigator.hardwareConcurrency,
    cpu_model: /model name\s*:\s*(.*)/.exec(
      await Deno.readTextFile("/proc/cpuinfo").catch(() => ""),
    )?.[1] ?? "unknown",
  };
}

/**
 * Installs grpc-js for Node into bench/grpcjs/node_modules (gitignored).
 *
 * @returns whether grpc-js for Node is there
 */
export async function ensureNodeModules(): Promise<boolean> {
  const marker = rel("bench/grpcjs/node_modules/@grpc/grpc-js/package.json");
  try {
    await Deno.stat(marker);
    return true;
  } catch {
    // Not installed yet.
  }
  const versions = JSON.parse(
    await Deno.readTextFile(rel("bench/grpcjs/versions.json")),
  ) as Record<string, string>;
  console.error("installing grpc-js for Node into bench/grpcjs/node_modules");
  try {
    await runToEnd([
      "npm",
      "install",
      "--prefix",
      rel("bench/grpcjs"),
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      ...Object.entries(versions).map(([name, v]) => `${name}@${v}`),
    ], 300_000);
    return true;
  } catch (error) {
    console.error(`npm install failed, skipping grpcjs-node: ${error}`);
    return false;
  }
}
