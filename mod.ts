/**
 * A Deno-first gRPC runtime: HTTP/2 of its own over `Deno.connect` /
 * `Deno.listen`, gRPC framing, typed clients and servers from protoc-gen-es
 * service descriptors.
 *
 * @example Greeter client and server
 * ```ts
 * import { createChannel, createClient, Server } from "./mod.ts";
 * import { Greeter } from "./gen/helloworld/helloworld_pb.ts";
 *
 * const server = new Server().add(Greeter, {
 *   sayHello: (req) => ({ message: `Hello ${req.name}` }),
 * });
 * const addr = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
 * await using channel = createChannel(`127.0.0.1:${addr.port}`);
 * const client = createClient(Greeter, channel);
 * console.log((await client.sayHello({ name: "world" })).message);
 * await server.shutdown();
 * ```
 *
 * @module
 */
export { Code, codeName } from "./lib/grpc/status.ts";
export { GrpcError } from "./lib/grpc/grpc_error.ts";
export type { StatusDetail } from "./lib/grpc/grpc_error.ts";
export { Metadata } from "./lib/grpc/metadata.ts";
export type {
  MetadataInit,
  MetadataRecord,
  MetadataValue,
} from "./lib/grpc/metadata.ts";
export {
  CompressionRegistry,
  deflate,
  gzip,
  identity,
} from "./lib/grpc/compression.ts";
export type { Compression } from "./lib/grpc/compression.ts";
export {
  type Channel,
  type ChannelHttp2Options,
  type ChannelKeepaliveOptions,
  type ChannelOptions,
  type ChannelTlsOptions,
  createChannel,
} from "./lib/channel/channel.ts";
export { ConnectivityState } from "./lib/channel/connectivity.ts";
export type {
  CallDoneInfo,
  PickComplete,
  Picker,
  PickFail,
  PickInfo,
  PickQueue,
  PickResult,
} from "./lib/channel/picker.ts";
export { failPicker, PICK_QUEUE, QUEUE_PICKER } from "./lib/channel/picker.ts";
export type {
  Subchannel,
  SubchannelListener,
} from "./lib/channel/subchannel.ts";
export type { BackoffOptions } from "./lib/channel/backoff.ts";
export type { Address, Target } from "./lib/channel/target.ts";
export type {
  Endpoint,
  Resolver,
  ResolverBuilder,
  ResolverListener,
  ResolverOptions,
  ResolverState,
} from "./lib/channel/resolver/resolver.ts";
export {
  registerResolver,
  ResolverRegistry,
  type TargetResolution,
} from "./lib/channel/resolver/registry.ts";
export { ManualResolver } from "./lib/channel/resolver/manual.ts";
export type {
  Balancer,
  BalancerBuilder,
  BalancerState,
  ChannelHelper,
} from "./lib/channel/balancer/balancer.ts";
export {
  BalancerRegistry,
  registerBalancer,
} from "./lib/channel/balancer/registry.ts";
export type {
  LoadBalancingConfig,
  MethodConfig,
  MethodName,
  ServiceConfig,
} from "./lib/channel/service_config.ts";
export {
  type Clock,
  ManualClock,
  SYSTEM_CLOCK,
  type TimerHandle,
} from "./lib/util/clock.ts";
export {
  type BidiStreamingMethod,
  type Client,
  type ClientOptions,
  type ClientStreamingMethod,
  createClient,
  type ServerStreamingMethod,
  type UnaryMethod,
} from "./lib/client/create_client.ts";
export type { CallOptions } from "./lib/client/call_options.ts";
export type {
  AnyRequest,
  AnyResponse,
  Interceptor,
  RequestCommon,
  StreamRequest,
  StreamResponse,
  UnaryRequest,
  UnaryResponse,
} from "./lib/client/interceptor.ts";
export {
  type ListenOptions,
  Server,
  type ServerHttp2Options,
  type ServerOptions,
} from "./lib/server/server.ts";
export type { ServerKeepaliveOptions } from "./lib/server/connection_manager.ts";
export type { KeepaliveEnforcementOptions } from "./lib/server/keepalive_enforcement.ts";
export type { ServerContext } from "./lib/server/context.ts";
export type { MaybePromise, ServiceImpl } from "./lib/server/handler.ts";
export type {
  ServerInterceptor,
  ServerRequest,
  ServerResponse,
  ServerStreamRequest,
  ServerStreamResponse,
  ServerUnaryRequest,
  ServerUnaryResponse,
} from "./lib/server/interceptor.ts";
// The protobuf-es types the API's signatures name, so that users (and
// `deno doc`) see them without importing @bufbuild/protobuf themselves.
export type {
  DescMessage,
  DescMethod,
  DescService,
  Message,
  MessageInitShape,
  MessageShape,
} from "./lib/protobuf.ts";
