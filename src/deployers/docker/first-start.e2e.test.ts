/**
 * The first docker cluster of a fresh process (each test file, under Vitest's default
 * isolation and under Jest) starts its nodes together. testcontainers settles its reaper at a
 * container's first start, under a file lock that concurrent starts retry every 500 ms or
 * more; unless the deployer settles it before the nodes start, each node after the first waits
 * on that lock. Counted from testcontainers' own log, in a child process: this worker's
 * testcontainers has long settled its reaper.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { describeNeeding, dockerRequirementOf } from '../../../test/requirements.ts';
import { refnodeImage } from '../../adapter/refnode/adapter.ts';
import { dockerAvailability } from './docker-client.ts';
import { resolveImage } from './resolve-image.ts';

const docker = await dockerAvailability();
const firstStart = fileURLToPath(new URL('../../../test/fixtures/docker/first-start.ts', import.meta.url));

describeNeeding(dockerRequirementOf(docker), 'docker first start', () => {
  beforeAll(async () => {
    // A build settles the reaper too: the image is built here, so the child only finds it.
    await resolveImage(refnodeImage());
  }, 300_000);

  it("settles testcontainers' reaper once, before the nodes start", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [firstStart, '3'], {
      env: { ...process.env, DEBUG: 'testcontainers' },
      maxBuffer: 16 * 1024 * 1024,
    });
    // testcontainers' log lines land on stdout, beside the fixture's own
    const lines = `${stdout}\n${stderr}`.split('\n');
    expect(lines).toContain('ready');
    const locks = lines.filter((l) => /Acquiring lock file ".*testcontainers-node-\d+\.lock"/.test(l));
    const created = lines.filter((l) => l.includes('Created container for image'));
    expect(created, 'containers created').toHaveLength(3);
    expect(locks, 'lock acquisitions for the reaper').toHaveLength(1);
  });
});
