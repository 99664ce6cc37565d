import type { BlobHeader } from './blob.ts';
import type { DaRejection } from './errors.ts';

/** One channel: who owns it and which sequence comes next. */
export interface ChannelState {
  readonly owner: string;
  readonly next: number;
}

/**
 * Channel owners and next sequences as of some block. The first blob of a channel
 * (sequence 0) makes its signer the owner; afterwards only the owner may publish, one
 * sequence after the other. Copy-on-write like LedgerState: `child()` for the next block.
 */
export class ChannelBook {
  readonly #channels: Map<string, ChannelState>;

  constructor(channels: Map<string, ChannelState> = new Map()) {
    this.#channels = channels;
  }

  /** A mutable copy for applying the next block. */
  child(): ChannelBook {
    return new ChannelBook(new Map(this.#channels));
  }

  get(channel: string): ChannelState | undefined {
    return this.#channels.get(channel);
  }

  get size(): number {
    return this.#channels.size;
  }

  /** `bad_channel` if another key owns the channel, `bad_order` if `sequence` is not the next one. */
  check(header: Pick<BlobHeader, 'channel' | 'owner' | 'sequence'>): DaRejection | undefined {
    const state = this.#channels.get(header.channel);
    if (state !== undefined && state.owner !== header.owner)
      return {
        code: 'bad_channel',
        message: `channel ${header.channel} is owned by ${state.owner.slice(0, 12)}…, not ${header.owner.slice(0, 12)}…`,
      };
    const next = state?.next ?? 0;
    if (header.sequence !== next)
      return {
        code: 'bad_order',
        message: `sequence ${header.sequence} on channel ${header.channel}: the next one is ${next}`,
      };
    return undefined;
  }

  /** Checks then records one blob; returns the refusal and changes nothing if it does not fit. */
  apply(header: Pick<BlobHeader, 'channel' | 'owner' | 'sequence'>): DaRejection | undefined {
    const refusal = this.check(header);
    if (refusal === undefined)
      this.#channels.set(header.channel, { owner: header.owner, next: header.sequence + 1 });
    return refusal;
  }

  /** Channel name → state, sorted by name. */
  toJSON(): Record<string, ChannelState> {
    return Object.fromEntries([...this.#channels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
