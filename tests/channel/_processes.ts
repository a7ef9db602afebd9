/**
 * Backend processes for the end-to-end channel tests: Greeter servers in
 * processes of their own (ours, `_backend.ts`, or grpc-js ones), started on
 * a chosen loopback address, stopped or killed by PID, restarted on the
 * same port.
 *
 * @module
 */

import { PROCESS_MS, stopWithin, WAIT_MS, within } from "../_bounded.ts";

/** A backend process that printed `READY <port>`. */
export interface BackendProcess {
  /** The address it listens on. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** What it answers SayHello with. */
  readonly id: string;
  /** Its process id. */
  readonly pid: number;
  /** SIGKILL (no graceful anything), then waits for its exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 5 s, then waits for its exit. */
  stop(): Promise<void>;
}

/** How a backend program is run. */
export interface BackendCommand {
  /** The executable. */
  readonly command: string;
  /** Its arguments for a host, port and id. */
  args(host: string, port: number, id: string): string[];
}

/** Our Greeter backend, `_backend.ts`, under `deno run --allow-net`. */
export const OUR_BACKEND: BackendCommand = {
  command: Deno.execPath(),
  args: (host, port, id) => [
    "run",
    "--allow-net",
    "--no-check",
    new URL("./_backend.ts", import.meta.url).pathname,
    `--host=${host}`,
    `--port=${port}`,
    `--id=${id}`,
  ],
};

/** A grpc-js Greeter backend, `_grpcjs_backend.mjs`, under Deno. */
export const GRPC_JS_BACKEND: BackendCommand = {
  command: Deno.execPath(),
  args: (host, port, id) => [
    "run",
    "-A",
    new URL("./_grpcjs_backend.mjs", import.meta.url).pathname,
    `--host=${host}`,
    `--port=${port}`,
    `--id=${id}`,
  ],
};

/**
 * Starts a backend and waits for its `READY <port>` line.
 *
 * @param host the loopback address to listen on
 * @param port the port (0: any)
 * @param id what it answers with (default `host`)
 * @param program which backend program (default ours)
 * @returns the running backend
 */
export async function startBackend(
  host: string,
  port = 0,
  id = host,
  program: BackendCommand = OUR_BACKEND,
): Promise<BackendProcess> {
  const child = new Deno.Command(program.command, {
    args: program.args(host, port, id),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let found: number | undefined;
  const readReady = (async () => {
    while (found === undefined) {
      const { value, done } = await reader.read();
      if (done) return;
      seen += value;
      const match = /READY (\d+)/.exec(seen);
      if (match) found = Number(match[1]);
    }
  })();
  try {
    await within(readReady, PROCESS_MS, `backend ${id} READY`);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Gone.
    }
    throw error;
  }
  if (found === undefined) {
    await within(child.status, WAIT_MS, `backend ${id} exit`);
    const text = await within(stderr, WAIT_MS, `backend ${id} stderr`);
    throw new Error(`backend ${id} exited before READY:\n${seen}\n${text}`);
  }
  // Keep draining stdout so a chatty backend never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch {
      // Closed.
    }
  })();
  const ended = async () => {
    await within(drained, WAIT_MS, `backend ${id} stdout`);
    await within(stderr, WAIT_MS, `backend ${id} stderr`);
  };
  let gone = false;
  return {
    host,
    port: found,
    id,
    pid: child.pid,
    async kill() {
      if (gone) return;
      gone = true;
      Deno.kill(child.pid, "SIGKILL");
      await within(child.status, WAIT_MS, `backend ${id} exit on SIGKILL`);
      await ended();
    },
    async stop() {
      if (gone) return;
      gone = true;
      await stopWithin(child, 5000, `backend ${id}`);
      await ended();
    },
  };
}

/**
 * Stops every backend still running (by PID), whatever happens to others.
 *
 * @param backends the backends
 */
export async function stopAll(
  backends: Iterable<BackendProcess | undefined>,
): Promise<void> {
  const results = await Promise.allSettled(
    [...backends].map((b) => b?.stop()),
  );
  for (const r of results) {
    if (r.status === "rejected") console.error("stopping a backend:", r.reason);
  }
}
