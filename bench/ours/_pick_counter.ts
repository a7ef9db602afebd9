/**
 * W7's check that round_robin really spread the calls: a `round_robin`
 * builder that wraps the library's own and, only once `start()` is called
 * (after the measured window), wraps the pickers it publishes to count
 * picks per backend. Until then pickers pass through untouched, so the
 * measured calls pay nothing for it.
 *
 * @module
 */

import {
  type BalancerBuilder,
  BalancerRegistry,
  type ChannelHelper,
  type ConnectivityState,
  type Picker,
  type PickInfo,
  type PickResult,
} from "../../mod.ts";
import { pickFirstBuilder } from "../../lib/channel/balancer/pick_first.ts";
import { roundRobinBuilder } from "../../lib/channel/balancer/round_robin.ts";
import { formatAddress } from "../../lib/channel/target.ts";

/**
 * Counts the picks of a channel's round_robin per backend address, from
 * `start()` on.
 *
 * @example
 * ```ts ignore
 * const counter = new PickCounter();
 * const channel = createChannel(target, { balancers: counter.registry, serviceConfig });
 * // ... measured calls ...
 * counter.start();
 * // ... a few more calls ...
 * console.log(counter.picks.size); // backends that took calls
 * ```
 */
export class PickCounter {
  /** Picks per backend address since `start()`. */
  readonly picks = new Map<string, number>();
  /** A registry whose round_robin is the counting one. */
  readonly registry: BalancerRegistry;
  #counting = false;
  /** The real helper and what the balancer last published to it. */
  #last:
    | { helper: ChannelHelper; state: ConnectivityState; picker: Picker }
    | undefined;

  constructor() {
    const builder: BalancerBuilder = {
      name: roundRobinBuilder.name,
      build: (helper) => roundRobinBuilder.build(this.#wrap(helper)),
    };
    this.registry = new BalancerRegistry([pickFirstBuilder, builder]);
  }

  /** Counts every pick from now on (republishes the current picker). */
  start(): void {
    this.#counting = true;
    const last = this.#last;
    if (last) last.helper.updateState(last.state, this.#counted(last.picker));
  }

  #wrap(helper: ChannelHelper): ChannelHelper {
    return {
      createSubchannel: (address) => helper.createSubchannel(address),
      requestReresolution: () => helper.requestReresolution(),
      clock: helper.clock,
      random: helper.random,
      updateState: (state, picker) => {
        this.#last = { helper, state, picker };
        helper.updateState(
          state,
          this.#counting ? this.#counted(picker) : picker,
        );
      },
    };
  }

  #counted(picker: Picker): Picker {
    const picks = this.picks;
    return {
      pick(info: PickInfo): PickResult {
        const result = picker.pick(info);
        if (result.type === "complete") {
          const key = formatAddress(result.subchannel.address);
          picks.set(key, (picks.get(key) ?? 0) + 1);
        }
        return result;
      },
    };
  }
}
