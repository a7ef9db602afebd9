/**
 * A bounded memory of stream ids (streams we reset or closed), so that frames
 * still in flight for them are told from protocol errors.
 *
 * @module
 */

/**
 * A bounded memory of stream ids, forgetting the oldest: a ring of ids plus
 * a set for lookups, O(1) per add (a Set alone would need an iterator to
 * find its oldest entry, and deletions at its front slow it down).
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
  readonly #set = new Set<number>();
  #next = 0;

  /** @param capacity how many ids to remember */
  constructor(capacity: number) {
    this.#ring = new Int32Array(capacity);
  }

  /**
   * Remembers `id`, forgetting the oldest id when full.
   *
   * @param id a stream id (not 0)
   */
  add(id: number): void {
    if (this.#set.has(id)) return;
    const old = this.#ring[this.#next];
    if (old !== 0) this.#set.delete(old);
    this.#ring[this.#next] = id;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#set.add(id);
  }

  /**
   * @param id a stream id
   * @returns whether `id` is remembered
   */
  has(id: number): boolean {
    return this.#set.has(id);
  }
}
