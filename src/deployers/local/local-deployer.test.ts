import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CleanupRegistry } from '../../cluster/cleanup/registry.ts';
import { newRunId } from '../../cluster/cleanup/run.ts';
import { localDeployer } from './local-deployer.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function deployerWith(libfaketime?: string) {
  const clusterDir = await mkdtemp(join(tmpdir(), 'chainlab-local-'));
  dirs.push(clusterDir);
  const ctx = {
    runId: newRunId(),
    clusterDir,
    clusterName: 'c',
    registry: new CleanupRegistry({ installHooks: false }),
    log: () => {},
  };
  return localDeployer(libfaketime === undefined ? {} : { libfaketime })(ctx);
}

describe('the local deployer and clock skew', () => {
  test('offers clock skew where libfaketime is installed', async () => {
    const dep = await deployerWith();
    expect(dep.capabilities.has('clock-skew')).toBe(true);
    expect(dep.missingReason?.('clock-skew')).toBeUndefined();
    await dep.dispose();
  });

  test('without libfaketime it lacks the control and says how to get it', async () => {
    const dep = await deployerWith('/nowhere/libfaketime.so.1');
    expect(dep.capabilities.has('clock-skew')).toBe(false);
    expect(dep.capabilities.has('restart')).toBe(true);
    expect(dep.missingReason?.('clock-skew')).toBe(
      'libfaketime is not installed (/nowhere/libfaketime.so.1); install it (Debian: apt-get install libfaketime)',
    );
    await dep.dispose();
  });
});
