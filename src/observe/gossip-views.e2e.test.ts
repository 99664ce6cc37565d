// The observer's gossip views against real refnode processes: a node that answers late (here
// stopped for 2–4 s, as a node busy reading a flood on a loaded machine is) still has its view
// recorded, stamped when it arrives, instead of a failure at the sample timeout.
import { expect, test } from 'vitest';
import { Cluster } from '../cluster/cluster.ts';
import { systemClock } from '../support/clock.ts';
import { startObserver } from './observer.ts';
import type { Recording } from './recording.ts';

/** Waits until `check` holds on the recording, polling on the real clock. */
async function until(rec: Recording, what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = rec.now() + timeoutMs;
  while (!check()) {
    if (rec.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await systemClock.sleep(100);
  }
}

test('a gossip view a node answers late (paused past the request timeout) is recorded when it arrives, not dropped at the request timeout', async () => {
  await using cluster = await Cluster.of({
    validators: 2,
    slotMs: 250,
    securityParam: 4,
    wallets: 2,
    name: 'gossip-views',
  }).start();
  const observer = startObserver({
    nodes: () => cluster.nodes,
    facts: cluster.facts,
    seed: cluster.seed,
    sampleEveryMs: 250,
    requestTimeoutMs: 1000,
  });
  await using _stop = observer;
  // Any peer id: views are taken while some foreign peer is watched.
  using _watch = observer.watchGossip(['12D3KooWKtFeiEaxkyeGUc2ro9dmkuWWjFRJQo4GGgLcssmiE5Ch']);
  const rec = observer.recording;
  await until(rec, 'a gossip view of val-1', () => rec.gossipSamplesOf('val-1').some((s) => s.ok));
  // The pause lasts until one of val-1's info samples has failed (its 1 s timeout passed), at
  // least 2 s and at most 4 s, well inside the gossip view's 5 s: a fixed 2 s once ended, on a
  // busy machine, before the late sampler recorded a failure.
  const from = rec.now();
  const infoFailed = () => rec.samples.some((s) => s.node === 'val-1' && !s.ok && s.at > from);
  await cluster.pause('val-1');
  try {
    await systemClock.sleep(2000);
    await until(rec, 'a failed info sample of val-1 during its pause', infoFailed, 2000);
  } finally {
    await cluster.resume('val-1');
  }
  const resumed = rec.now();
  await until(rec, 'a gossip view of val-1 after the pause', () =>
    rec.gossipSamplesOf('val-1').some((s) => s.ok && s.at > resumed),
  );
  // The pause outlasted the 1 s request timeout (an info sample failed), while the gossip view
  // asked during it came back after it, and none failed.
  expect(rec.gossipSamplesOf('val-1').filter((s) => s.at > from && !s.ok)).toEqual([]);
}, 120_000);
