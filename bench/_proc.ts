/**
 * Child processes for the harness: servers that announce `READY <port>`,
 * clients that print one JSON line. Every child is tracked, bounded in time
 * and stopped by its own PID.
 *
 * @module
 */

import { readRssKib, sleep } from "./_util.ts";

/** Children still running, stopped by {@linkcode stopAll} on exit. */
const live = new Set<Deno.ChildProcess>();

/** Most stderr kept per child, for error reports. */
const STDERR_CAP = 16 << 10;

/** A running server. */
export interface RunningServer {
  /** The port it listens on. */
  port: number;
  /** Its process id (the runtime itself, not a shell). */
  pid: number;
  /** Stops it: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** VmRSS in KiB, or -1. */
  rssKib(): number;
  /** What it wrote to stderr so far (capped). */
  stderr(): string;
}

function collect(
  stream: ReadableStream<Uint8Array>,
  onLine?: (line: string) => void,
): { text: () => string; done: Promise<void> } {
  let text = "";
  const done = (async () => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let partial = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (text.length < STDERR_CAP) text += value.slice(0, STDERR_CAP);
        if (onLine) {
          partial += value;
          let nl;
          while ((nl = partial.indexOf("\n")) >= 0) {
            onLine(partial.slice(0, nl));
            partial = partial.slice(nl + 1);
          }
        }
      }
      if (onLine && partial) onLine(partial);
    } catch {
      // The process went away.
    }
  })();
  return { text: () => text, done };
}

async function stopChild(child: Deno.ChildProcess, graceMs: number) {
  if (!live.has(child)) return;
  try {
    child.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<false>((r) => timer = setTimeout(() => r(false), graceMs)),
  ]);
  clearTimeout(timer);
  if (!exited) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
    await child.status;
  }
  live.delete(child);
}

/**
 * Starts a server and waits for its `READY <port>` line.
 *
 * @param argv the command (argv[0] is the program)
 * @param readyTimeoutMs how long to wait for READY
 * @returns the running server
 */
export async function startServer(
  argv: string[],
  readyTimeoutMs: number,
): Promise<RunningServer> {
  const child = new Deno.Command(argv[0], {
    args: [...argv.slice(1), "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);
  let ready: (port: number) => void;
  const readyPort = new Promise<number>((r) => ready = r);
  collect(child.stdout, (line) => {
    const m = /^READY (\d+)/.exec(line.trim());
    if (m) ready(Number(m[1]));
  });
  const err = collect(child.stderr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const port = await Promise.race([
    readyPort,
    child.status.then(() => -1),
    new Promise<number>((r) => timer = setTimeout(() => r(-2), readyTimeoutMs)),
  ]);
  clearTimeout(timer);
  const server: RunningServer = {
    port,
    pid: child.pid,
    stop: () => stopChild(child, 3000),
    rssKib: () => readRssKib(child.pid),
    stderr: err.text,
  };
  if (port < 0) {
    await server.stop();
    throw new Error(
      `${argv.join(" ")}: ${
        port === -1 ? "exited" : "timed out"
      } before READY\n${err.text()}`,
    );
  }
  return server;
}

/**
 * Runs a program to completion (killing it after `timeoutMs`) and returns
 * its stdout.
 *
 * @param argv the command
 * @param timeoutMs time limit
 * @returns stdout, or throws with stderr on failure
 */
export async function runToEnd(
  argv: string[],
  timeoutMs: number,
): Promise<string> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }, timeoutMs);
  const status = await child.status;
  clearTimeout(timer);
  live.delete(child);
  await Promise.all([out.done, err.done]);
  if (timedOut || !status.success) {
    throw new Error(
      `${argv.join(" ")}: ${
        timedOut ? `killed after ${timeoutMs} ms` : `exit ${status.code}`
      }\n${err.text().slice(-2000)}`,
    );
  }
  return out.text();
}

/**
 * Runs a client and parses the last line of its stdout as JSON.
 *
 * @param argv the command
 * @param timeoutMs time limit
 * @returns the parsed object
 */
export async function runJson(
  argv: string[],
  timeoutMs: number,
): Promise<Record<string, number>> {
  const out = await runToEnd(argv, timeoutMs);
  const lines = out.trim().split("\n");
  const last = lines[lines.length - 1];
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${argv.join(" ")}: not JSON: ${out.slice(-500)}`);
  }
}

/** Stops every child still running (harness exit, Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c, 1000)));
}

/**
 * Lets the server settle after READY before it is measured idle.
 *
 * @param ms the pause
 * @returns a promise of the pause
 */
export function settle(ms: number): Promise<void> {
  return sleep(ms);
}
