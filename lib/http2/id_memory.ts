/**
 * A bounded memory of stream ids (streams we reset or closed), so that frames
 * still in flight for them are told from protocol errors.
 *
 * @module
 */

/**
 * A bounded memory of stream ids, forgetting the oldest: a ring of ids.
 * Adding (every closed stream) is one array store; looking up (only for
 * frames on streams no longer open) scans the ring natively, which costs
 * less than a frame's parsing. A Set beside the ring made every add a
 * hash insert and delete, 2 % of a unary call.
 *
 * @example Remember the last two
 * ```ts
 * import { IdMemory } from "./id_memory.ts";
 * const ids = new IdMemory(2);
 * ids.add(1);
 * ids.add(3);
 * ids.add(5);
 * console.log(ids.has(1), ids.has(5)); // false true
 * ```
 */
export class IdMemory {
  readonly #ring: Int32Array;
  #next = 0;
  #last = 0;

  /** @param capacity how many ids to remember */
  constructor(capacity: number) {
    this.#ring = new Int32Array(capacity);
  }

  /**
   * Remembers `id`, forgetting the oldest id when full. Adding the id added
   * last again changes nothing.
   *
   * @param id a stream id (not 0)
   */
  add(id: number): void {
    // The last id is kept apart rather than read back from the ring: that
    // read took a branch first run at the ring's first wrap, by then in
    // optimized code (a deoptimization a thousand streams into a run).
    if (id === this.#last) return;
    this.#last = id;
    const ring = this.#ring;
    ring[this.#next] = id;
    this.#next = this.#next + 1 === ring.length ? 0 : this.#next + 1;
  }

  /**
   * @param id a stream id
   * @returns whether `id` is remembered
   */
  has(id: number): boolean {
    return id !== 0 && this.#ring.includes(id);
  }
}
