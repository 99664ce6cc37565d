/**
 * Scenario profiles: `CHAINLAB_PROFILE=ci` (the default) compresses time so each example
 * file runs in about a minute on a 2-core machine; `full` runs the seed scenarios' own
 * durations (60 s per load step, 300 s sustained load, 180 s of chaos). Rates, cluster
 * sizes and wallets are the same in both; only durations, slot length and the chaos
 * schedule (scaled with the run) change.
 */
import { type ClusterOptions, ConfigError, Ready } from 'chainlab';

export type ProfileName = 'ci' | 'full';

/** Durations and chain timing of one profile. Times in ms. */
export interface ScenarioProfile {
  name: ProfileName;
  /** Slot schedule of every example cluster. */
  slots: { slotMs: number; activeSlotCoeff: number; securityParam: number };
  /**
   * Cluster options every example shares: the slot schedule, readiness once every node
   * has a peer and has finalized a block (scenarios judge a running chain, not its boot),
   * and a 120 s start timeout.
   */
  cluster: ClusterOptions;
  /** Load progression: length of each rate step. Full 60 s. */
  loadStepMs: number;
  /** Sustained load: length of the run. Full 300 s. */
  sustainedMs: number;
  /** Aggressive chaos: length of the run. Full 180 s. */
  chaosMs: number;
  /** Block timing: length of the measured window. Full 120 s. */
  timingMs: number;
  /** Wallet balances: length of the transfer load. Full 60 s. */
  balancesMs: number;
  /**
   * The litecoind example (examples/litecoin.test.ts): mean block interval of its mining
   * lottery, length of its transfer load and of its restart chaos, and the restart schedule
   * (a random node every `restartEvery` ms, each node at most once per `cooldownMs`).
   * Full: 2.5 s blocks, 60 s of load, 180 s of restarts every 10–20 s, 15 s cooldown.
   */
  litecoin: {
    blockIntervalMs: number;
    loadMs: number;
    chaosMs: number;
    restartEvery: { min: number; max: number };
    cooldownMs: number;
  };
  /**
   * Scales a duration of the seed scenario (e.g. "restart every 10–20 s") to this
   * profile's time compression: 1 in `full`, `chaosMs / 180 s` in `ci`.
   */
  scaleChaos(fullMs: number): number;
  /** A vitest timeout for a test that runs `plannedMs`, with room for start and drain (never a way to hide slowness). */
  timeout(plannedMs: number): number;
}

const ci: Omit<ScenarioProfile, 'scaleChaos' | 'timeout' | 'cluster'> = {
  name: 'ci',
  // 250 ms slots, f = 0.5: a block every 0.5 s, final after 6 more (3 s).
  slots: { slotMs: 250, activeSlotCoeff: 0.5, securityParam: 6 },
  // The seed's rates, sizes and restart count in shorter windows: the three seed scenarios
  // take about 80 s together on a 2-core machine (bench/README.md, "seed scenarios").
  loadStepMs: 5_000,
  sustainedMs: 20_000,
  chaosMs: 25_000,
  timingMs: 30_000,
  balancesMs: 15_000,
  litecoin: {
    blockIntervalMs: 1000,
    loadMs: 10_000,
    chaosMs: 15_000,
    restartEvery: { min: 2_500, max: 5_000 },
    cooldownMs: 5_000,
  },
};

const full: Omit<ScenarioProfile, 'scaleChaos' | 'timeout' | 'cluster'> = {
  name: 'full',
  slots: { slotMs: 1000, activeSlotCoeff: 0.5, securityParam: 10 },
  loadStepMs: 60_000,
  sustainedMs: 300_000,
  chaosMs: 180_000,
  timingMs: 120_000,
  balancesMs: 60_000,
  litecoin: {
    blockIntervalMs: 2_500,
    loadMs: 60_000,
    chaosMs: 180_000,
    restartEvery: { min: 10_000, max: 20_000 },
    cooldownMs: 15_000,
  },
};

const FULL_CHAOS_MS = 180_000;

/**
 * The profile named by `CHAINLAB_PROFILE` (`ci` when unset). An unknown name is a
 * `ConfigError` naming the variable, its value and what is allowed.
 *
 * @example
 * const profile = scenarioProfile();
 * const test = createClusterTest({ validators: 3, executors: 2, ...profile.slots });
 */
export function scenarioProfile(env: NodeJS.ProcessEnv = process.env): ScenarioProfile {
  const raw = env.CHAINLAB_PROFILE?.trim() || 'ci';
  if (raw !== 'ci' && raw !== 'full') {
    throw new ConfigError('environment', [
      { path: 'CHAINLAB_PROFILE', value: raw, allowed: "'ci' (default) or 'full'" },
    ]);
  }
  const base = raw === 'ci' ? ci : full;
  const factor = base.chaosMs / FULL_CHAOS_MS;
  return {
    ...base,
    cluster: {
      ...base.slots,
      ready: Ready.forAll([Ready.forPeers(1), Ready.forFinalizedHeight(1)]),
      // Six nodes (or containers) booting on a shared 2-core machine can take a minute;
      // this bounds the start only, never what a scenario judges.
      startTimeoutMs: 120_000,
    },
    scaleChaos: (fullMs) => Math.round(fullMs * factor),
    // Start (up to a minute on a busy machine), the run, then inclusion/convergence waits.
    timeout: (plannedMs) => plannedMs + 90_000,
  };
}
