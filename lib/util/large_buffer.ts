/**
 * Buffers for large received messages, made ready ahead of need.
 *
 * A message the caller keeps must land in fresh memory. For a large one the
 * cost is not the copy but the first touch of each page: in a VM a 1 MiB
 * buffer is 256 page faults and the zeroing behind them, about a third of the
 * CPU a 1 MiB echo takes. Peers that send large messages usually send more of
 * the same size, so after handing out a large buffer this module allocates
 * and touches the next one in a timer turn, when the event loop has finished
 * the work at hand (typically while the peer computes or sends). The next
 * message of that size then fills memory that is already mapped.
 *
 * One spare at most, per isolate, held through a `WeakRef`: memory pressure
 * (a full garbage collection) drops it, so an idle process keeps nothing.
 *
 * @module
 */

/** Below this size a plain allocation is cheap enough. */
export const PREPARE_FROM = 64 << 10;
/** A spare this much larger than a request may still serve it. */
const SLACK = 64 << 10;
/** Bytes between writes that touch each page of a spare. */
const PAGE = 4096;

/** Size of the buffer freed once to set the allocator's large-chunk policy. */
const PRIME = 4 << 20;
let primed = false;

let spare: WeakRef<Uint8Array> | undefined;
/** Size of the spare a pending timer will prepare, or 0. */
let preparing = 0;

/** Runs the preparation in a timer turn that does not keep the process alive. */
function inTimerTurn(task: () => void): void {
  Deno.unrefTimer(setTimeout(task, 0));
}
/** How the preparation is scheduled: replaceable so tests run it when they choose. */
let schedulePrepare: (task: () => void) => void = inTimerTurn;

/**
 * Replaces how the spare's preparation is scheduled (by default a timer turn
 * that does not keep the process alive), so a test can run it at a point of
 * its choosing instead of guessing when the timer fired. For tests only.
 *
 * @example Run the preparation by hand
 * ```ts
 * import { largeBuffer, setPrepareScheduler } from "./large_buffer.ts";
 * const tasks: Array<() => void> = [];
 * setPrepareScheduler((task) => tasks.push(task));
 * largeBuffer(1 << 20);
 * tasks[0](); // the spare is ready now
 * setPrepareScheduler(undefined); // back to the timer turn
 * ```
 *
 * @param schedule takes the preparation task; `undefined` restores the default
 */
export function setPrepareScheduler(
  schedule: ((task: () => void) => void) | undefined,
): void {
  schedulePrepare = schedule ?? inTimerTurn;
}

function prepare(): void {
  const size = preparing;
  preparing = 0;
  const current = spare?.deref();
  if (current !== undefined && current.length === size) return;
  const bytes = new Uint8Array(size);
  // Touch every page now, off the critical path (the zero is already there).
  for (let i = 0; i < size; i += PAGE) bytes[i] = 0;
  spare = new WeakRef(bytes);
}

/**
 * Frees one 4 MiB buffer at once, the first time large messages arrive.
 * glibc's malloc serves large blocks with fresh `mmap`s (every page a fault)
 * until a large block is freed; then it raises its mmap threshold to that
 * size and serves later blocks from its heap, where freed memory is reused
 * (mallopt(3), M_MMAP_THRESHOLD). Left alone, that first free waits for V8
 * to collect a dead message buffer, dozens of large messages later; a
 * detached `ArrayBuffer` frees its memory right away. Other allocators
 * ignore it. Nothing is touched, so it costs an mmap and a munmap.
 */
function primeAllocator(): void {
  primed = true;
  new ArrayBuffer(PRIME).transfer(0);
}

/**
 * A zero-filled buffer of exactly `n` bytes that the caller owns. Sizes from
 * {@linkcode PREPARE_FROM} up may come from the spare prepared after the last
 * such request, as a view of a buffer up to 64 KiB longer.
 *
 * @example Two messages of the same size
 * ```ts
 * import { largeBuffer } from "./large_buffer.ts";
 * const first = largeBuffer(1 << 20); // fresh; a spare is prepared soon
 * await new Promise((resolve) => setTimeout(resolve, 10));
 * const second = largeBuffer(1 << 20); // the spare, already mapped
 * console.log(first.length, second.length, first.buffer !== second.buffer);
 * // 1048576 1048576 true
 * ```
 *
 * @param n the length in bytes
 * @returns a buffer of `n` zero bytes
 */
export function largeBuffer(n: number): Uint8Array {
  if (n < PREPARE_FROM) return new Uint8Array(n);
  if (!primed) primeAllocator();
  const ready = spare?.deref();
  let out: Uint8Array;
  if (ready !== undefined && ready.length >= n && ready.length - n < SLACK) {
    spare = undefined;
    out = ready.length === n ? ready : ready.subarray(0, n);
  } else {
    out = new Uint8Array(n);
  }
  if (preparing === 0) {
    preparing = Math.ceil(n / PAGE) * PAGE;
    schedulePrepare(prepare);
  }
  return out;
}
