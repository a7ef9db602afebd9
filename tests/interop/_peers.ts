/**
 * Starting and stopping interop peers (grpc-js under Deno, grpcio under
 * Debian's python3) for the interop tests.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import { create, toBinary } from "npm:@bufbuild/protobuf@2.17.0";
// deno-lint-ignore no-import-prefix
import { FileDescriptorSetSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
import { file_grpc_testing_empty } from "../../gen/grpc/testing/empty_pb.ts";
import { file_grpc_testing_messages } from "../../gen/grpc/testing/messages_pb.ts";
import { file_grpc_testing_test } from "../../gen/grpc/testing/test_pb.ts";
import {
  CASE_NAMES,
  type CaseResult,
  runCase,
} from "../../examples/interop/test_cases.ts";
import { type ChannelOptions, createChannel } from "../../mod.ts";
import { outputWithin, stopWithin, WAIT_MS, within } from "../_bounded.ts";

/** Debian's python3, which has python3-grpcio (the pyenv one does not). */
export const PYTHON = "/usr/bin/python3";

/** Path of a peer program. */
export function peerPath(name: string): string {
  return new URL(`./peers/${name}`, import.meta.url).pathname;
}

/** How long a peer may take to print READY (npm download on a cold cache). */
const READY_TIMEOUT_MS = 60_000;
/** How long one case of our client may take. */
const CASE_TIMEOUT_MS = 20_000;
/** How long a peer client may take for all cases. */
const CLIENT_TIMEOUT_MS = 60_000;

/** A running peer server. */
export interface PeerServer {
  /** The port it listens on. */
  port: number;
  /** Stops it (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server program that prints `READY <port>`.
 *
 * @param command the executable
 * @param args its arguments
 * @returns the running server
 */
export async function startPeerServer(
  command: string,
  args: string[],
): Promise<PeerServer> {
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port: number | undefined;
  // Killing the peer ends its stdout, and so the wait for READY.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, READY_TIMEOUT_MS);
  try {
    while (port === undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
      const match = /READY (\d+)/.exec(seen);
      if (match) port = Number(match[1]);
    }
  } finally {
    clearTimeout(timer);
  }
  // Keep draining stdout so the peer never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch {
      // Closed.
    }
  })();
  if (port === undefined) {
    await stopWithin(child, WAIT_MS, command);
    await within(drained, WAIT_MS, `${command}'s stdout`);
    throw new Error(
      `${command} ${args.join(" ")} ${
        timedOut
          ? `printed no READY in ${READY_TIMEOUT_MS} ms`
          : "exited before READY"
      }:\n${seen}\n${await within(
        stderr,
        WAIT_MS,
        `${command}'s stderr`,
      )}`,
    );
  }
  return {
    port,
    async stop() {
      await stopWithin(child, 3000, command);
      // A grandchild could hold the pipes open.
      await within(drained, WAIT_MS, `${command}'s stdout`);
      await within(stderr, WAIT_MS, `${command}'s stderr`);
    },
  };
}

/**
 * Runs a peer client that prints one JSON {@linkcode CaseResult} line per
 * case.
 *
 * @param command the executable
 * @param args its arguments
 * @returns the results by case name, and the raw output for diagnostics
 */
export async function runPeerClient(
  command: string,
  args: string[],
): Promise<{ results: Map<string, CaseResult>; output: string }> {
  const { stdout, stderr } = await outputWithin(
    command,
    {
      args,
      env: { NO_COLOR: "1" },
    },
    CLIENT_TIMEOUT_MS,
    `peer client ${command} ${args.join(" ")}`,
  );
  const text = new TextDecoder().decode(stdout);
  const results = new Map<string, CaseResult>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const result = JSON.parse(line) as CaseResult;
    results.set(result.name, result);
  }
  return {
    results,
    output: `${text}\n${new TextDecoder().decode(stderr)}`,
  };
}

/**
 * Throws with the case's error when a peer client reported a failure.
 *
 * @param name the case
 * @param run what the peer client printed
 */
export function assertPeerCase(
  name: string,
  run: { results: Map<string, CaseResult>; output: string },
): void {
  const result = run.results.get(name);
  if (!result) {
    throw new Error(`peer client reported nothing for ${name}:\n${run.output}`);
  }
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
}

/**
 * Writes the FileDescriptorSet of grpc/testing/{empty,messages,test}.proto
 * (from gen/'s embedded descriptors) for the Python peers.
 *
 * @returns the file's path
 */
export async function writeDescriptorSet(): Promise<string> {
  const set = create(FileDescriptorSetSchema, {
    file: [
      file_grpc_testing_empty,
      file_grpc_testing_messages,
      file_grpc_testing_test,
    ].map((f) => f.proto),
  });
  const path = await Deno.makeTempFile({ suffix: ".binpb" });
  await Deno.writeFile(path, toBinary(FileDescriptorSetSchema, set));
  return path;
}

/** Whether Debian's python3 with grpcio is there (python3-grpcio). */
export function hasPythonGrpc(): boolean {
  try {
    return new Deno.Command(PYTHON, {
      args: ["-c", "import grpc, google.protobuf"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Runs every case with our client against `port`, one step per case.
 *
 * @param t the test context
 * @param port the server's port on 127.0.0.1
 * @param options the channel's options (TLS), default none
 */
export async function ourClientSteps(
  t: Deno.TestContext,
  port: number,
  options: ChannelOptions = {},
): Promise<void> {
  for (const name of CASE_NAMES) {
    await t.step(name, async () => {
      // One channel per case, as one interop client process per case would.
      const channel = createChannel(`127.0.0.1:${port}`, options);
      // A hang fails the step instead of stalling the whole test run. After
      // a timeout the channel is left open: closing would wait for the hung
      // call.
      const result = await within(
        runCase(name, channel),
        CASE_TIMEOUT_MS,
        name,
      );
      await within(channel.close(), WAIT_MS, `${name}: channel.close()`);
      if (!result.ok) throw new Error(`${name}: ${result.error}`);
    });
  }
}

/**
 * Runs a peer client over every case once, then one step per case.
 *
 * @param t the test context
 * @param command the peer client's executable
 * @param args its arguments (server port included)
 */
export async function peerClientSteps(
  t: Deno.TestContext,
  command: string,
  args: string[],
): Promise<void> {
  const run = await runPeerClient(command, [...args, "--test_case=all"]);
  for (const name of CASE_NAMES) {
    await t.step(name, () => assertPeerCase(name, run));
  }
}
