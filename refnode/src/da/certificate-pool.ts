import type { Certificate } from './certificate.ts';
import type { ChannelBook } from './channels.ts';

/** Default most certificates one block carries. */
export const DEFAULT_MAX_CERTIFICATES_PER_BLOCK = 128;

/**
 * Verified certificates waiting to be included, by channel and sequence. A proposer takes, per
 * channel, the certificate with the channel's next sequence (and owner), then the one after,
 * and so on, so blocks include every channel's blobs in order; a certificate whose
 * predecessor is still missing waits. Bounded: the oldest entries go first when full.
 */
export class CertificatePool {
  readonly #byId = new Map<string, Certificate>();
  readonly #max: number;

  /** `maxSize`: most certificates held [10000]. */
  constructor(maxSize = 10_000) {
    this.#max = maxSize;
  }

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Adds a verified certificate; false if it was already held. */
  add(certificate: Certificate): boolean {
    if (this.#byId.has(certificate.id)) return false;
    if (this.#byId.size >= this.#max) this.#byId.delete(this.#byId.keys().next().value!);
    this.#byId.set(certificate.id, certificate);
    return true;
  }

  remove(id: string): void {
    this.#byId.delete(id);
  }

  /**
   * Certificates to include on top of a block whose channel state is `book`, at most `max`,
   * in an order the block rules accept (per channel: consecutive sequences from `next`).
   */
  select(book: ChannelBook, max: number): Certificate[] {
    const waiting = new Map<string, Map<number, Certificate[]>>();
    for (const certificate of this.#byId.values()) {
      const { channel, sequence } = certificate.header;
      let bySequence = waiting.get(channel);
      if (bySequence === undefined) {
        bySequence = new Map();
        waiting.set(channel, bySequence);
      }
      const list = bySequence.get(sequence);
      if (list) list.push(certificate);
      else bySequence.set(sequence, [certificate]);
    }
    const lanes = [...waiting].map(([channel, bySequence]) => {
      const state = book.get(channel);
      return { bySequence, owner: state?.owner, next: state?.next ?? 0 };
    });
    const chosen: Certificate[] = [];
    // Round-robin over channels, so one busy channel cannot starve the others.
    let progressed = true;
    while (chosen.length < max && progressed) {
      progressed = false;
      for (const lane of lanes) {
        if (chosen.length >= max) break;
        const candidates = lane.bySequence.get(lane.next) ?? [];
        const pick = candidates.find((c) => lane.owner === undefined || c.header.owner === lane.owner);
        if (pick === undefined) continue;
        chosen.push(pick);
        lane.owner = pick.header.owner;
        lane.next++;
        progressed = true;
      }
    }
    return chosen;
  }

  /** Drops certificates that can never be included on top of `book` (sequence used, or another owner's channel). */
  prune(book: ChannelBook): number {
    let dropped = 0;
    for (const [id, certificate] of this.#byId) {
      const state = book.get(certificate.header.channel);
      if (state === undefined) continue;
      if (certificate.header.sequence < state.next || certificate.header.owner !== state.owner) {
        this.#byId.delete(id);
        dropped++;
      }
    }
    return dropped;
  }
}
