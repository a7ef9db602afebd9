/**
 * Bounded waits for tests. Deno's test runner has no timeout: a promise that
 * never settles stalls the whole run and names nothing. Every wait in a test
 * goes through {@linkcode within} (or {@linkcode eventually},
 * {@linkcode disposeWithin}, {@linkcode outputWithin},
 * {@linkcode stopWithin}), which fails with the name of what never came. The bounds are generous (a loaded CI machine must
 * not fail them); they are never used to measure anything.
 *
 * Every timer is cleared when the wait ends, so Deno's op sanitizer sees no
 * pending timer after a passing test.
 *
 * @module
 */

/** Bound for a wait that is near-instant when all is well: a server start, a local call, a close. */
export const WAIT_MS = 10_000;
/** Bound for a child process: a `deno run` compiles first, peers may fetch npm packages. */
export const PROCESS_MS = 120_000;

/** A bounded wait that ran out. */
export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
}

/**
 * Waits for `promise`, or rejects with a {@linkcode WaitTimeoutError} naming
 * `what` once `ms` milliseconds have passed.
 *
 * @example A call that must answer
 * ```ts ignore
 * const reply = await within(client.sayHello({}), WAIT_MS, "sayHello reply");
 * ```
 *
 * @param promise what to wait for
 * @param ms the bound in milliseconds
 * @param what what is awaited, for the error message
 * @returns the promise's value
 */
export function within<T>(
  promise: PromiseLike<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`${what}: not done within ${ms} ms`)),
      ms,
    );
  });
  // race() handles a later rejection of `promise`: none goes uncaught.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `predicate` once per timer turn until it holds, for state that has no
 * event to wait on (a counter, a connection table). Rejects with a
 * {@linkcode WaitTimeoutError} naming `what` after `ms` milliseconds.
 *
 * @example Wait until the server dropped its connections
 * ```ts ignore
 * await eventually(() => server.connections === 0, WAIT_MS, "no connection");
 * ```
 *
 * @param predicate the condition
 * @param ms the bound in milliseconds
 * @param what the condition in words, for the error message
 */
export async function eventually(
  predicate: () => boolean,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) {
      throw new WaitTimeoutError(`${what}: not true within ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Bounds the disposal of `resource` (what `await using` awaits at the end of
 * a scope: a channel's graceful close waits for its calls). Returns the same
 * object with its `Symbol.asyncDispose` bounded.
 *
 * A disposal that runs out prints which one and returns without throwing: a
 * throw would wrap the test's own error (usually why the close hung) in a
 * `SuppressedError` that Deno prints without either. The resource is left
 * open, so Deno's resource sanitizer fails the test ("leaks detected").
 *
 * @example A channel whose close cannot hang the test
 * ```ts ignore
 * await using channel = disposeWithin(createChannel(target), WAIT_MS, "channel.close()");
 * ```
 *
 * @param resource an async-disposable object
 * @param ms the bound in milliseconds
 * @param what the disposal in words, for the message
 * @returns `resource`
 */
export function disposeWithin<T extends AsyncDisposable>(
  resource: T,
  ms: number,
  what: string,
): T {
  const dispose = resource[Symbol.asyncDispose];
  Object.defineProperty(resource, Symbol.asyncDispose, {
    value: () =>
      within(dispose.call(resource), ms, what).catch((error) => {
        if (!(error instanceof WaitTimeoutError)) throw error;
        console.error(`${error.message} (left open)`);
      }),
    configurable: true,
  });
  return resource;
}

/**
 * Runs a command to its end like `Deno.Command.output()` (stdin null,
 * stdout and stderr piped unless set), but kills it (SIGKILL) and rejects with a
 * {@linkcode WaitTimeoutError} if it runs longer than `ms` milliseconds.
 *
 * @example A peer program
 * ```ts ignore
 * const out = await outputWithin("openssl", { args: ["version"] }, PROCESS_MS, "openssl");
 * ```
 *
 * @param command the executable
 * @param options as for `Deno.Command`
 * @param ms the bound in milliseconds
 * @param what the command in words, for the error message
 * @returns its exit status and output
 */
export async function outputWithin(
  command: string | URL,
  options: Deno.CommandOptions,
  ms: number,
  what: string,
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(command, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...options,
  }).spawn();
  const output = child.output();
  try {
    return await within(output, ms, what);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    // SIGKILL cannot be ignored, but a grandchild may hold the pipes open.
    await within(output, WAIT_MS, `${what} after SIGKILL`).catch(() => {});
    throw error;
  }
}

/**
 * Stops a child process: SIGTERM, then SIGKILL if it has not exited within
 * `ms` milliseconds. Resolves with its status; rejects with a
 * {@linkcode WaitTimeoutError} naming `what` only if even SIGKILL brings no
 * exit.
 *
 * @example Stop a peer server
 * ```ts ignore
 * const child = new Deno.Command("nghttpd", { args }).spawn();
 * await stopWithin(child, 3000, "nghttpd");
 * ```
 *
 * @param child the process
 * @param ms how long it has to exit after SIGTERM
 * @param what the process in words, for the error message
 * @returns its exit status
 */
export async function stopWithin(
  child: Deno.ChildProcess,
  ms: number,
  what: string,
): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  try {
    return await within(child.status, ms, `${what} exiting on SIGTERM`);
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
    return await within(child.status, WAIT_MS, `${what} exiting on SIGKILL`);
  }
}
