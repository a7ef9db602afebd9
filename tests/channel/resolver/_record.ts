/**
 * Test helpers for resolvers: a listener that records what it gets, the
 * options builders take, and a wait for queued microtasks.
 *
 * @module
 */

import type { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import type {
  ResolverListener,
  ResolverOptions,
  ResolverState,
} from "../../../lib/channel/resolver/resolver.ts";
import { type Clock, SYSTEM_CLOCK } from "../../../lib/util/clock.ts";

/** What a listener got, in order. */
export type ResolverEvent =
  | { update: ResolverState }
  | { error: GrpcError };

/** A listener and the events it recorded. */
export interface Recorder {
  readonly listener: ResolverListener;
  readonly events: ResolverEvent[];
  /** The states only. */
  readonly updates: ResolverState[];
  /** The errors only. */
  readonly errors: GrpcError[];
}

/**
 * A recording listener.
 *
 * @param onEvent called after each event is recorded (e.g. to call back
 * into the resolver, as a channel may)
 * @returns the recorder
 */
export function recorder(onEvent?: (event: ResolverEvent) => void): Recorder {
  const events: ResolverEvent[] = [];
  const updates: ResolverState[] = [];
  const errors: GrpcError[] = [];
  return {
    events,
    updates,
    errors,
    listener: {
      onUpdate(state) {
        events.push({ update: state });
        updates.push(state);
        onEvent?.({ update: state });
      },
      onError(error) {
        events.push({ error });
        errors.push(error);
        onEvent?.({ error });
      },
    },
  };
}

/**
 * Builder options for tests.
 *
 * @param overrides what differs from port 443, the system clock and a
 * random source of 0.5 (no jitter)
 * @returns the options
 */
export function options(
  overrides: Partial<ResolverOptions> & { clock?: Clock } = {},
): ResolverOptions {
  return {
    defaultPort: 443,
    clock: SYSTEM_CLOCK,
    random: () => 0.5,
    ...overrides,
  };
}

/** Lets queued microtasks and promise callbacks run (one timer turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
