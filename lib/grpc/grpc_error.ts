/**
 * The one error type of the runtime: a gRPC status that is not OK.
 *
 * @module
 */

import {
  type DescMessage,
  fromBinary,
  type MessageShape,
} from "../protobuf.ts";
import { Metadata } from "./metadata.ts";
import { Code, codeName } from "./status.ts";
import type { StatusDetail } from "./status_details.ts";

export type { StatusDetail } from "./status_details.ts";

/** Options of the {@linkcode GrpcError} constructor. */
export interface GrpcErrorOptions {
  /** Trailing metadata to carry. Defaults to empty metadata. */
  metadata?: Metadata;
  /** `google.rpc.Status` details. Defaults to none. */
  details?: StatusDetail[];
  /** The underlying error, kept for logs, never sent. Defaults to none. */
  cause?: unknown;
}

/**
 * A failed gRPC call, or a failure a handler reports: a status code, a
 * message, trailing metadata and optional rich details.
 *
 * `message` reads `[CODE_NAME] raw message` (just `[CODE_NAME]` when the raw
 * message is empty); `rawMessage` is what travels in `grpc-message`.
 *
 * @example Throw and inspect
 * ```ts
 * import { Code, GrpcError } from "./mod.ts";
 *
 * const err = new GrpcError(Code.NOT_FOUND, "no user 7");
 * console.log(err.message); // "[NOT_FOUND] no user 7"
 * console.log(err.code === Code.NOT_FOUND); // true
 * ```
 */
export class GrpcError extends Error {
  /** The status code. */
  readonly code: Code;
  /** The status message as sent or received, without the code prefix. */
  readonly rawMessage: string;
  /** Trailing metadata (reserved `grpc-*` keys excluded). */
  readonly metadata: Metadata;
  /** Details from `grpc-status-details-bin`, as packed `Any` fields. */
  readonly details: StatusDetail[];

  /**
   * Creates an error.
   *
   * @param code The status code; should not be `OK`.
   * @param message The raw status message. Defaults to `""`.
   * @param options Metadata, details and cause; see {@linkcode GrpcErrorOptions}.
   */
  constructor(code: Code, message = "", options: GrpcErrorOptions = {}) {
    super(
      message === "" ? `[${codeName(code)}]` : `[${codeName(code)}] ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "GrpcError";
    this.code = code;
    this.rawMessage = message;
    this.metadata = options.metadata ?? new Metadata();
    this.details = options.details ?? [];
  }

  /**
   * Turns anything thrown or used as an abort reason into a `GrpcError`.
   *
   * A `GrpcError` is returned as is. An error named `AbortError` (such as the
   * `DOMException` of an aborted signal) becomes `CANCELLED`, one named
   * `TimeoutError` (from `AbortSignal.timeout`) `DEADLINE_EXCEEDED`; both keep
   * their message. Anything else becomes `fallback` with an empty message and
   * the original as `cause`, so internal details never reach the peer.
   *
   * @param reason The thrown value.
   * @param fallback The code for unrecognized reasons. Defaults to `UNKNOWN`.
   * @returns The error.
   *
   * @example Map an aborted signal
   * ```ts
   * import { Code, GrpcError } from "./mod.ts";
   *
   * const controller = new AbortController();
   * controller.abort();
   * console.log(GrpcError.from(controller.signal.reason).code === Code.CANCELLED); // true
   * console.log(GrpcError.from(new Error("db password wrong")).message); // "[UNKNOWN]"
   * ```
   */
  static from(reason: unknown, fallback: Code = Code.UNKNOWN): GrpcError {
    if (reason instanceof GrpcError) return reason;
    // Duck-typed so that errors from other realms and plain DOMExceptions
    // are recognized alike.
    if (typeof reason === "object" && reason !== null) {
      const { name, message } = reason as { name?: unknown; message?: unknown };
      const text = typeof message === "string" ? message : "";
      if (name === "AbortError") {
        return new GrpcError(Code.CANCELLED, text, { cause: reason });
      }
      if (name === "TimeoutError") {
        return new GrpcError(Code.DEADLINE_EXCEEDED, text, { cause: reason });
      }
    }
    return new GrpcError(fallback, "", { cause: reason });
  }

  /**
   * Unpacks the details of a given message type, skipping the others and
   * any that fail to parse.
   *
   * A detail matches when its type URL's last `/`-separated segment is the
   * descriptor's full name, as `anyUnpack` decides.
   *
   * @param desc The descriptor of the wanted message (e.g. `ErrorInfoSchema`).
   * @returns The matching messages, in order; empty when none.
   *
   * @example Read a typed detail
   * ```ts ignore
   * import { DurationSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
   *
   * for (const retryDelay of err.findDetails(DurationSchema)) {
   *   console.log(retryDelay.seconds);
   * }
   * ```
   */
  findDetails<Desc extends DescMessage>(desc: Desc): MessageShape<Desc>[] {
    const found: MessageShape<Desc>[] = [];
    for (const detail of this.details) {
      const url = detail.typeUrl;
      const name = url.slice(url.lastIndexOf("/") + 1);
      if (name !== desc.typeName) continue;
      try {
        found.push(fromBinary(desc, detail.value));
      } catch {
        // A detail that does not parse is skipped, not fatal to the caller.
      }
    }
    return found;
  }
}
