/**
 * The request side of streaming calls.
 *
 * @module
 */

import type {
  EncodedMessage,
  MessageEncoder,
} from "../codec/binary_encoder.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { ENVELOPE_HEADER } from "../grpc/envelope.ts";
import type { ClientCall } from "./client_call.ts";
import type { StreamRequest } from "./interceptor.ts";
import type { RequestExtras } from "./call_request.ts";

/**
 * Sends a streaming call's request messages as the application yields them,
 * waiting only when flow control holds a message back; ends our side after
 * the last one. A failing iterator cancels the call.
 *
 * @example
 * ```ts ignore
 * void pumpRequests(call, req, encoder);
 * ```
 *
 * @param call the started call
 * @param req the request (its messages and per-message compression)
 * @param encoder the client's encoder
 * @returns for a server-streaming call, its one request as sent (so a
 * transparent retry can send it again); else undefined
 */
export async function pumpRequests(
  call: ClientCall,
  req: StreamRequest,
  encoder: MessageEncoder,
): Promise<EncodedMessage | undefined> {
  const input = req.method.input;
  try {
    if (req.method.methodKind === "server_streaming") {
      for await (const message of req.messages) {
        const encoded = encoder.encodeInitParts(
          input,
          message,
          ENVELOPE_HEADER,
        );
        await call.send(encoded, true);
        return encoded;
      }
    }
    const choose = (req as RequestExtras).compressMessage;
    let index = 0;
    for await (const message of req.messages) {
      const compress = choose ? choose(message, index++) : true;
      const sent = call.send(
        encoder.encodeInitParts(input, message, ENVELOPE_HEADER),
        false,
        compress,
      );
      // Awaited only when flow control held the message back.
      if (sent) await sent;
    }
    call.closeSend();
  } catch (error) {
    call.cancel(GrpcError.from(error, Code.CANCELLED));
  }
  return undefined;
}
