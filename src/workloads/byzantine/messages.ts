/**
 * Turns a kind of Byzantine message into bytes to publish, through the adapter's gossip
 * facet (and forger, for invalid txs). Every choice comes from the given seeded stream.
 */
import fc from 'fast-check';
import type { CanonicalReason } from '../../adapter/reasons.ts';
import type { ChainClient, ForgeCase, GossipKit, GossipMessage, GossipTxItem } from '../../adapter/types.ts';
import type { Rng } from '../../support/rng.ts';
import type { FuzzWallet } from '../fuzz-wallet.ts';
import type { ByzantineKind } from './mix.ts';

/** One invalid tx a message carries. */
export interface GossipedCase {
  case: ForgeCase;
  /** Its id, when the chain can name it (not for a raw body). */
  id?: string;
  /** The reasons a correct node refuses it with. */
  expected: readonly CanonicalReason[];
  /** A resend of the fuzz wallet's included tx: it must stay included once, not be refused. */
  duplicate: boolean;
}

/** A message ready to publish, with what it is. */
export interface PlannedMessage extends GossipMessage {
  kind: ByzantineKind;
  /** The invalid txs it carries (`invalid-txs` only). */
  cases: GossipedCase[];
}

/** What the source draws from. */
export interface MessageSourceOptions {
  kit: GossipKit;
  /** Old chain content (`kit.staleMessages`), the base of `stale` and `replay`. */
  stale: readonly GossipMessage[];
  /** Messages the peer received so far (replayed verbatim). */
  received: () => readonly GossipMessage[];
  rng: Rng;
  /** The primed fuzz wallet and a client to build cases with; needed for `invalid-txs`. */
  fuzz?: FuzzWallet & { client: ChainClient };
}

/** Makes the messages of one kind; `invalid-txs` may give several (raw bodies travel alone). */
export interface MessageSource {
  make(kind: ByzantineKind): Promise<PlannedMessage[]>;
}

/**
 * A message source over the gossip facet.
 *
 * @example
 * const source = messageSource({ kit, stale, received: () => peer.received(), rng });
 * const [first] = await source.make('stale');
 */
export function messageSource(opts: MessageSourceOptions): MessageSource {
  const { kit, stale, rng } = opts;
  let n = 0;
  const plain = (kind: ByzantineKind, m: GossipMessage): PlannedMessage[] => [{ ...m, kind, cases: [] }];

  const invalidTxs = async (): Promise<PlannedMessage[]> => {
    const fuzz = opts.fuzz;
    if (fuzz === undefined) throw new TypeError('messageSource: invalid-txs needs the fuzz wallet');
    const cases: GossipedCase[] = [];
    const items: GossipTxItem[] = [];
    const ctx = { wallet: fuzz.wallet, other: fuzz.other, client: fuzz.client, primed: fuzz.primed };
    // Kinds refused only by a full mempool are valid txs anywhere else: not invalid gossip.
    for (const { kind } of fuzz.forger.kinds.filter((k) => k.needs === undefined)) {
      const arb = fuzz.forger.arbitrary(kind, { targets: 1 });
      const c = fc.sample(arb, { seed: rng.int(0, 0x7fff_ffff), numRuns: 1 })[0]!;
      const forged = await fuzz.forger.build(c, ctx);
      const id = forged.tx?.id;
      items.push(forged.tx === undefined ? { raw: forged.raw } : { tx: forged.tx });
      cases.push({
        case: c,
        ...(id === undefined ? {} : { id }),
        expected: forged.expect,
        duplicate: id !== undefined && id === fuzz.primedId,
      });
    }
    return kit.txMessages(items).map(({ topic, data, carries }) => ({
      topic,
      data,
      kind: 'invalid-txs' as const,
      cases: carries.map((i) => cases[i]!),
    }));
  };

  return {
    async make(kind) {
      n++;
      switch (kind) {
        case 'replay': {
          const pool = [...opts.received(), ...stale];
          return plain(kind, rng.pick(pool));
        }
        case 'stale':
          return plain(kind, kit.reencode(rng.pick(stale), n));
        case 'useless':
          return plain(kind, kit.useless(n));
        case 'malformed':
          return plain(kind, kit.malformed(n));
        case 'oversized':
          return plain(kind, kit.oversized(n));
        case 'invalid-txs':
          return invalidTxs();
      }
    },
  };
}
