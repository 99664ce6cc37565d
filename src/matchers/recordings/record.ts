/**
 * Records the real history the checkers' unit tests replay (`validators-stopped.json`):
 * a 3-validator + 1-executor refnode cluster under a light tx load, state snapshots, then
 * every validator stopped (declared fault windows) while the executor keeps running.
 *
 *   npx node src/matchers/recordings/record.ts
 *
 * Marks in the dump: `load-start`, `load-included`, `validators-stopped`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../cluster/cluster.ts';
import { systemClock } from '../../support/clock.ts';
import { transactions } from '../../workloads/transactions.ts';

const cluster = await Cluster.of({
  validators: 3,
  executors: 1,
  slotMs: 200,
  securityParam: 6,
  wallets: 8,
  seed: 913,
  name: 'recording',
}).start();
try {
  const rec = cluster.recording;
  await systemClock.sleep(2000);
  rec.mark('load-start');
  const load = await transactions({ rate: 10, users: 4, durationMs: 5000, name: 'transactions' }).start(
    cluster,
  );
  await load.done;
  await load.stop();
  while (!load.submitted().every((t) => t.finalAt !== undefined)) await systemClock.sleep(200);
  rec.mark('load-included');
  await cluster.observer.refresh({ state: true });
  await systemClock.sleep(2000);
  rec.mark('validators-stopped');
  await Promise.all(cluster.validators.map((v) => v.stop()));
  await systemClock.sleep(10_000);
  await cluster.observer.refresh();
  const out = join(import.meta.dirname, 'validators-stopped.json');
  writeFileSync(out, `${JSON.stringify(rec)}\n`);
  console.log(
    `wrote ${out}: ${rec.blocks.length} blocks, ${rec.samples.length} samples, ${rec.txs.size} txs`,
  );
} finally {
  await cluster.dispose();
}
