import { expect, test } from 'vitest';
import { Cluster } from '../cluster/cluster.ts';
import '../matchers/vitest.ts';
import { dataAvailability } from './data-availability.ts';
import { transactions } from './transactions.ts';

test('probe proposal times', async () => {
  await using cluster = await Cluster.of({ validators: 4, executors: 2, wallets: 60, slotMs: 250, activeSlotCoeff: 0.5, securityParam: 6, name: 'tmp-probe' }).start();
  const load = await transactions({ rate: 15, users: 50, durationMs: 12000 }).start(cluster);
  const da = await dataAvailability({ channels: 2, blobRate: 3, durationMs: 12000 }).start(cluster);
  await load.done; await da.done; await load.stop(); await da.stop();
  await expect(cluster).toMakeAvailable(da, { within: 20000 });
  const b = da.published();
  const lat = b.map((x) => (x.includedAt ?? NaN) - x.publishedAt).sort((x, y) => x - y);
  const cert = b.map((x) => (x.certifiedAt ?? NaN) - x.publishedAt).sort((x, y) => x - y);
  console.log('blobs', b.length, 'cert p50', cert[Math.floor(cert.length / 2)], 'incl p50', lat[Math.floor(lat.length / 2)], 'max', lat.at(-1));
  for (const n of cluster.validators) {
    const tail = await n.logTail(2000);
    const rows = [...tail.matchAll(/"txs":(\d+),"blobs":(\d+),"ms":(\d+)/g)].map((m) => `${m[1]}/${m[2]}/${m[3]}`);
    console.log(n.name, rows.join(' '));
  }
}, 120000);
