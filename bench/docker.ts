/**
 * The docker deployer's costs, measured in one run so machine load affects all alike:
 *   image build: the refnode image cold (its tag removed first, so no layer is cached)
 *                and cached (same inputs again: hashing + one image inspect);
 *   ready time:  `Cluster.start()` of 4 validators + 2 executors until ready (every node
 *                serving and ≥ 1 peer), on docker and on local processes, rounds
 *                alternating between the two; each round starts both once in a fresh
 *                process (what every test file pays: nothing of the deployer warmed up)
 *                and once more in this one.
 *
 *   npx node bench/docker.ts [--rounds 2] [--validators 4] [--executors 2]
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { refnodeImage } from '../src/adapter/refnode/adapter.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { buildImage, imageTag, removeImage } from '../src/deployers/docker/image.ts';
import { nodeAppImage } from '../src/deployers/docker/node-app-image.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    validators: { type: 'string', default: '4' },
    executors: { type: 'string', default: '2' },
    // internal: start one cluster on this deployer, print its ready time in ms, exit
    once: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const validators = Number(values.validators);
const executors = Number(values.executors);

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function imageBuild(): Promise<{ cold: number; cached: number; files: number }> {
  // refnode's sources may change while a build runs (other work on this machine); then the
  // second build has new inputs and is rightly not a hit: measure the pair again
  for (let attempt = 1; ; attempt++) {
    // The image the docker deployer builds for refnode (the bundle after `npm run build`).
    const spec = refnodeImage();
    const recipe = await nodeAppImage({ name: spec.name, ...spec.nodeApp! });
    await removeImage((await imageTag(recipe)).tag);
    const cold = await buildImage(recipe);
    if (cold.cached) throw new Error('cold build was a cache hit');
    const cached = await buildImage(recipe);
    if (cached.cached)
      return { cold: cold.durationMs, cached: cached.durationMs, files: recipe.files.length };
    if (attempt === 3) throw new Error('refnode kept changing during the builds');
    console.log('refnode changed during the build; measuring again');
  }
}

async function readyTime(deployer: 'docker' | 'local'): Promise<number> {
  const t0 = performance.now();
  const cluster = await new Cluster({
    validators,
    executors,
    wallets: 4,
    deployer,
    startTimeoutMs: 300_000,
  }).start();
  const ms = performance.now() - t0;
  await cluster.dispose();
  return ms;
}

/** The ready time of the first cluster a fresh process starts (this file with `--once`). */
async function freshReadyTime(deployer: 'docker' | 'local'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    import.meta.filename,
    '--once',
    deployer,
    '--validators',
    String(validators),
    '--executors',
    String(executors),
  ]);
  return Number(stdout.trim());
}

if (values.once !== undefined) {
  console.log(Math.round(await readyTime(values.once === 'docker' ? 'docker' : 'local')));
  process.exit(0);
}

const build = await imageBuild();
console.log(`image build (${build.files} files): cold ${fmt(build.cold)}, cached ${fmt(build.cached)}`);

type Times = Record<'docker' | 'local', number[]>;
const fresh: Times = { docker: [], local: [] };
const warm: Times = { docker: [], local: [] };
const size = `${validators}+${executors}`;
for (let round = 0; round < rounds; round++) {
  for (const deployer of round % 2 === 0 ? (['docker', 'local'] as const) : (['local', 'docker'] as const)) {
    const first = await freshReadyTime(deployer);
    fresh[deployer].push(first);
    const again = await readyTime(deployer);
    warm[deployer].push(again);
    console.log(
      `round ${round + 1}: ${size} on ${deployer} ready in ${fmt(first)} (fresh process), ${fmt(again)} (warm)`,
    );
  }
}
for (const [label, times] of [
  ['fresh process', fresh],
  ['warm process', warm],
] as const) {
  const [d, l] = [median(times.docker), median(times.local)];
  console.log(
    `median ready time of ${size}, ${label}: docker ${fmt(d)}, local ${fmt(l)}, docker / local ${(d / l).toFixed(2)}x`,
  );
}
