/**
 * What each flow (one direction between two nodes) should be, from every fault in force.
 * Faults stack: shaping layers (latency tiers, per-link settings) merge in the order they
 * were applied, later fields winning; cuts (partitions, blocked peers, blackholes) are
 * counted per flow, so lifting one partition does not reopen a flow another fault still cuts.
 * Pure: the link layer pushes the difference to the proxy.
 */
import { type FullLinkSettings, type LinkSettings, openLink } from './link-settings.ts';

/** A flow's key: `from>to`. */
export const flowKey = (from: string, to: string): string => `${from}>${to}`;

/** Splits a flow key back into its two node names. */
export function flowEnds(key: string): { from: string; to: string } {
  const i = key.indexOf('>');
  return { from: key.slice(0, i), to: key.slice(i + 1) };
}

export class LinkState {
  /** Shaping layers by fault id, in the order applied: flow key → settings. */
  readonly #layers = new Map<string, Map<string, LinkSettings>>();
  /** Cut flows: flow key → fault ids cutting it. */
  readonly #cuts = new Map<string, Set<string>>();

  /** Adds (or replaces) a shaping layer; returns the flows it touches. */
  shape(id: string, flows: ReadonlyMap<string, LinkSettings>): string[] {
    const before = this.#layers.get(id);
    this.#layers.delete(id);
    this.#layers.set(id, new Map(flows));
    return union(before?.keys(), flows.keys());
  }

  /** Cuts flows for fault `id`; returns them. */
  cut(id: string, flows: readonly string[]): string[] {
    for (const key of flows) {
      let causes = this.#cuts.get(key);
      if (!causes) {
        causes = new Set();
        this.#cuts.set(key, causes);
      }
      causes.add(id);
    }
    return [...flows];
  }

  /** Lifts fault `id` (a layer or a cut); returns the flows it touched. */
  lift(id: string): string[] {
    const touched = new Set<string>();
    const layer = this.#layers.get(id);
    if (layer) {
      for (const key of layer.keys()) touched.add(key);
      this.#layers.delete(id);
    }
    for (const [key, causes] of this.#cuts) {
      if (causes.delete(id)) touched.add(key);
      if (causes.size === 0) this.#cuts.delete(key);
    }
    return [...touched];
  }

  /** Forgets every fault on flows touching `node` (it left the cluster). */
  forgetNode(node: string): void {
    const touches = (key: string): boolean => {
      const { from, to } = flowEnds(key);
      return from === node || to === node;
    };
    for (const layer of this.#layers.values())
      for (const key of [...layer.keys()]) if (touches(key)) layer.delete(key);
    for (const key of [...this.#cuts.keys()]) if (touches(key)) this.#cuts.delete(key);
  }

  /** Whether fault `id` is in force. */
  has(id: string): boolean {
    return this.#layers.has(id) || [...this.#cuts.values()].some((c) => c.has(id));
  }

  /** Ids of faults in force that cut flows, in no particular order. */
  cutIds(): string[] {
    return [...new Set([...this.#cuts.values()].flatMap((c) => [...c]))];
  }

  /** What flow `key` should be now. */
  effective(key: string): FullLinkSettings {
    const out: FullLinkSettings = { ...openLink };
    for (const layer of this.#layers.values()) {
      const s = layer.get(key);
      if (s)
        for (const [k, v] of Object.entries(s)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    }
    if (this.#cuts.has(key)) out.blackhole = true;
    return out;
  }
}

function union(a: Iterable<string> | undefined, b: Iterable<string>): string[] {
  return [...new Set([...(a ?? []), ...b])];
}
