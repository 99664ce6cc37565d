/**
 * `npm run demo`: the seed's load-progression scenario followed by a few validator
 * restarts, on local processes, with progress printed as it happens. Uses the library
 * directly (the same pieces as examples/load-progression.test.ts and
 * examples/aggressive-chaos.test.ts) and exits 1 if an invariant broke.
 *
 * Env: CHAINLAB_SEED replays a run; CHAINLAB_PROFILE=full uses the seed's 60 s steps.
 */

import { scenarioProfile } from '../examples/profile.ts';
import { duration, formatTable, pct } from '../examples/table.ts';
import { restarts } from '../src/chaos/node-faults.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import {
  checkBlockIntervals,
  checkConverge,
  checkStayLive,
  convergenceFailure,
  livenessFailure,
} from '../src/matchers/index.ts';
import { systemClock } from '../src/support/clock.ts';
import { awaitInclusion, loadSteps, stepStats } from '../src/workloads/load-steps.ts';

const profile = scenarioProfile();
const began = systemClock.monotonic();
const say = (line: string): void => {
  process.stdout.write(`[${((systemClock.monotonic() - began) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
};
const problems: string[] = [];

const definition = Cluster.of({
  validators: 3,
  executors: 2,
  wallets: 50,
  ...profile.cluster,
  deployer: 'local',
  name: 'demo',
});
say(`starting ${definition} (${profile.name} profile)`);
await using cluster = await definition.start({ log: (line) => say(`  ${line}`) });
say(`cluster ready; seed ${cluster.seed} (replay: CHAINLAB_SEED=${cluster.seed} npm run demo)`);

// 1. Load progression: 5, 10, 20, 30 tx/s from 20 of the 50 wallets.
const rates = [5, 10, 20, 30];
const stepMs = profile.loadStepMs;
say(`load progression: ${rates.join(', ')} tx/s, ${duration(stepMs)} each`);
const progression = await loadSteps({ rates, stepMs, users: 20 }).start(cluster);
for await (const step of progression.completed()) {
  const live = checkStayLive(cluster.recording, {}, { from: step.from, to: step.to });
  const heights = cluster.nodes.map((n) => `${n.name} ${cluster.recording.finalHeightAt(n.name)}`).join(', ');
  say(
    `  step ${step.rate} tx/s done: ${step.load.sent} txs sent, ${live.kind === 'live' ? 'live' : 'NOT LIVE'}; final heights ${heights}`,
  );
  if (live.kind !== 'live') problems.push(livenessFailure(live, cluster.seed, cluster.recording));
}
const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
say('waiting for the last txs to be included …');
await awaitInclusion(
  cluster.recording,
  () => progression.submitted(),
  (profile.slots.securityParam + 10) * blockMs,
);
const rows = progression.steps.map((s) => stepStats(cluster.recording, s.rate, s.load.submitted()));
console.log(
  formatTable(
    ['tx/s', 'sent', 'included', 'inclusion', 'latency p50', 'p95'],
    rows.map((r) => [
      r.rate,
      r.sent,
      r.included,
      pct(r.inclusion),
      duration(r.latencyP50Ms),
      duration(r.latencyP95Ms),
    ]),
  ),
);
const best = rows.filter((r) => r.inclusion === 1).at(-1);
say(`highest rate with full inclusion: ${best ? `${best.rate} tx/s` : 'none'}`);

// 2. Chaos: three validator restarts on a seeded schedule, then convergence.
const chaos = await restarts({ minDelay: 2_000, maxDelay: 4_000, targetCooldown: 3_000, maxFaults: 3 }).start(
  cluster,
);
say(`restarting validators on the seeded schedule: ${chaos.schedule(15_000).slice(0, 3).join(', ')}`);
const since = cluster.recording.now();
await chaos.done;
await chaos.stop();
for (const e of chaos.executed)
  say(`  ${e.step.action}(${e.step.target}) took ${duration(e.endedAt - e.startedAt)}`);
let converged = checkConverge(cluster.recording, {});
const until = systemClock.monotonic() + (profile.slots.securityParam + 20) * blockMs;
while (converged.kind !== 'converged' && systemClock.monotonic() < until) {
  await systemClock.sleep(500);
  await cluster.observer.refresh();
  converged = checkConverge(cluster.recording, {});
}
if (converged.kind === 'converged')
  say(`all ${cluster.nodes.length} nodes agree on final block ${converged.height}`);
else problems.push(convergenceFailure(converged, { from: since, to: cluster.recording.now() }, cluster.seed));
const live = checkStayLive(cluster.recording, {}, { from: since, to: cluster.recording.now() });
if (live.kind !== 'live') problems.push(livenessFailure(live, cluster.seed, cluster.recording));
const timing = checkBlockIntervals(cluster.recording, {}, { from: 0, to: cluster.recording.now() });
say(
  `block timing over the whole run: mean ${Math.round(timing.meanMs)} ms per block (slot schedule: ${timing.bounds.expectedMs} ms)`,
);

if (problems.length > 0) {
  say(`FAILED (seed ${cluster.seed}):\n${problems.join('\n')}`);
  process.exitCode = 1;
} else {
  say(`all invariants held (seed ${cluster.seed}); stopping the cluster`);
}
