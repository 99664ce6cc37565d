import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Chain } from './chain/chain.ts';
import { VerifyCache } from './chain/tx-check.ts';
import { applyBlockCertificates } from './da/block-rules.ts';
import { type Genesis, genesisHash } from './genesis.ts';
import { BlockStore } from './storage.ts';

/** What {@link checkStore} found. `problems` is empty when the store is sound. */
export interface StoreReport {
  ok: boolean;
  problems: string[];
  /** Height of the stored best chain. */
  height: number;
  /** Stored final height. */
  finalizedHeight: number;
  /** Best-chain blocks replayed with their state recomputed. */
  checked: number;
  ms: number;
}

/**
 * Checks a node's data dir (the node must not be running) the way a restart would rely on it:
 * sqlite's `PRAGMA integrity_check` on `chain.sqlite` (and `da.sqlite` when present), the
 * genesis it was made for, a best-chain index without gaps whose rows name stored blocks,
 * and a replay of that chain from genesis that checks every header hash, parent link, height,
 * tx root, DA rule and, by applying every tx again, every state root. The stored final
 * height must be on that chain. `mintOnPropose` replays blocks of a node run with that bug.
 *
 * @example
 * const report = checkStore('/tmp/net/data/val-0', loadGenesis('/tmp/net/genesis.json'));
 * if (!report.ok) console.error(report.problems.join('\n'));
 */
export function checkStore(
  dataDir: string,
  genesis: Genesis,
  options: { mintOnPropose?: boolean } = {},
): StoreReport {
  const started = performance.now();
  const problems: string[] = [];
  if (!existsSync(join(dataDir, 'chain.sqlite'))) {
    return {
      ok: false,
      problems: [`no chain.sqlite in ${dataDir}`],
      height: 0,
      finalizedHeight: 0,
      checked: 0,
      ms: 0,
    };
  }
  const store = new BlockStore(dataDir);
  let height = 0;
  let finalizedHeight = 0;
  let checked = 0;
  try {
    problems.push(...store.integrityProblems().map((line) => `chain.sqlite: ${line}`));
    const expected = genesisHash(genesis);
    if (store.genesisHash !== undefined && store.genesisHash !== expected)
      problems.push(`made for genesis ${store.genesisHash.slice(0, 12)}, expected ${expected.slice(0, 12)}`);
    const index = store.canonicalIndex();
    height = index.length;
    finalizedHeight = store.finalizedHeight;
    index.forEach((row, i) => {
      if (row.height !== i + 1)
        problems.push(`best-chain index: height ${row.height} where ${i + 1} was due`);
    });
    if (finalizedHeight > height)
      problems.push(`final height ${finalizedHeight} is above the stored best chain (${height})`);
    const chain = new Chain({
      genesis,
      verifyCache: new VerifyCache(),
      mintOnPropose: options.mintOnPropose === true,
      applyDa: (da, parent) =>
        applyBlockCertificates(da, parent, {
          validators: genesis.validators,
          chainId: genesis.chainId,
          // The node's per-block limit is its own policy; what was stored passed it then.
          maxCertificates: Number.POSITIVE_INFINITY,
        }),
    });
    for (const block of store.canonicalBlocks()) {
      const row = index[checked];
      if (row === undefined || block.hash !== row.hash || block.height !== row.height) {
        problems.push(
          `best-chain block ${checked + 1}: stored as ${block.height} ${block.hash.slice(0, 12)}`,
        );
        break;
      }
      // Trusted: signatures were checked when the block arrived; everything else is recomputed.
      const outcome = chain.addBlock(block, { trusted: true });
      if (outcome.kind !== 'added' || chain.best.hash !== block.hash) {
        const why = outcome.kind === 'invalid' ? `${outcome.reason}: ${outcome.message}` : outcome.kind;
        problems.push(`best-chain block ${block.height} ${block.hash.slice(0, 12)} does not replay: ${why}`);
        break;
      }
      checked++;
    }
    if (checked < index.length && problems.length === 0)
      problems.push(`best-chain index names ${index.length} blocks, ${checked} are stored`);
  } finally {
    store.close();
  }
  const daFile = join(dataDir, 'da.sqlite');
  if (existsSync(daFile)) {
    const db = new DatabaseSync(daFile);
    try {
      for (const row of db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
        if (row.integrity_check !== 'ok') problems.push(`da.sqlite: ${row.integrity_check}`);
    } finally {
      db.close();
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    height,
    finalizedHeight,
    checked,
    ms: Math.round(performance.now() - started),
  };
}
