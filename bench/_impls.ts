/**
 * The implementations the harness runs: the server and client programs of
 * our library and of grpc-js (under Deno and under Node), the default
 * client → server pairs, and how a pair names its report row.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/**
 * A path under the repository's root.
 *
 * @param p the path relative to the root
 * @returns the absolute path
 */
export const rel = (p: string): string => `${ROOT}${p}`;

/** The Deno executable running the harness; its children use the same. */
export const DENO: string = Deno.execPath();

/** One implementation: the argv of its server and of its client program. */
export interface Impl {
  /** Prints `READY <port>` (the port is appended as the last argument). */
  server: string[];
  /** Takes `PORT WORKLOAD key=value...`, prints one JSON line. */
  client: string[];
}

/** Every implementation by name (`--impls`, `--pairs`). */
export const IMPLS: Record<string, Impl> = {
  ours: {
    server: [DENO, "run", "-A", rel("bench/ours/server.ts")],
    client: [DENO, "run", "-A", rel("bench/ours/client.ts")],
  },
  "grpcjs-deno": {
    server: [DENO, "run", "-A", rel("bench/grpcjs/server.mjs")],
    client: [DENO, "run", "-A", rel("bench/grpcjs/client.mjs")],
  },
  "grpcjs-node": {
    server: ["node", rel("bench/grpcjs/server.mjs")],
    client: ["node", rel("bench/grpcjs/client.mjs")],
  },
};

/** The client → server pairs run when `--pairs` is not given. */
export const DEFAULT_PAIRS: Array<[string, string]> = [
  ["ours", "ours"],
  ["grpcjs-deno", "grpcjs-deno"],
  ["grpcjs-node", "grpcjs-node"],
  ["ours", "grpcjs-node"],
  ["grpcjs-node", "ours"],
];

/** How long a server gets to print READY (the first grpc-js run downloads it). */
export const READY_TIMEOUT_MS = 120_000;

/**
 * The report row of a client → server pair.
 *
 * @param c the client's implementation
 * @param s the server's implementation
 * @returns the row's name
 */
export const rowOf = (c: string, s: string): string => `${c} → ${s}`;
