/**
 * The same scenario on every deployer, parametrized rather than copied: a validator
 * restarted under load must leave the cluster live, every tx included, the nodes converged
 * and supply conserved — on local processes, Docker containers and Kubernetes pods alike. Network
 * disconnect is offered only where the deployer can do it, and refused at once elsewhere.
 */
import { expect } from 'vitest';
import { CapabilityError, createClusterTest, transactions } from '../src/vitest.ts';
import { describeNeeding, dockerRequirement, kubernetesClusterRequirement } from './requirements.ts';

const deployers = [
  { name: 'local', needs: { what: 'nothing', missing: undefined } },
  { name: 'docker', needs: await dockerRequirement() },
  // a real cluster only (docs/KUBERNETES.md): its context and the pushed node image
  { name: 'k8s', needs: kubernetesClusterRequirement() },
] as const;

for (const deployer of deployers) {
  const test = createClusterTest({ validators: 4, wallets: 20 }, { deployer: deployer.name });

  describeNeeding(deployer.needs, `on the ${deployer.name} deployer`, () => {
    test('a validator restarted under load: live, every tx included, converged, supply conserved', async ({
      cluster,
      background,
    }) => {
      const load = await background(transactions({ rate: 10, users: 5 }));
      await cluster.restart('val-2');
      await expect(cluster).toStayLive({ for: 8_000 });
      await load.stop();
      await expect(cluster).toIncludeAll(load, { within: 20_000 });
      await expect(cluster).toConverge({ within: 20_000 });
      await expect(cluster).toConserveSupply();
      expect(cluster.recording.faults.map((f) => f.description)).toEqual(['restart(val-2)']);
    });

    test('network disconnect is recorded where the deployer can do it, refused at once where not', async ({
      cluster,
    }) => {
      if (!cluster.deployer.capabilities.has('disconnect')) {
        const error = await cluster.disconnect('val-3').catch((e: unknown) => e);
        expect(CapabilityError.is(error)).toBe(true);
        expect((error as CapabilityError).message).toContain(
          `the ${deployer.name} deployer cannot disconnect`,
        );
        return;
      }
      await cluster.disconnect('val-3');
      await cluster.connect('val-3');
      expect(cluster.recording.faults.at(-1)).toMatchObject({ kind: 'disconnect', nodes: ['val-3'] });
      expect(cluster.recording.faults.at(-1)?.end).toBeGreaterThan(cluster.recording.faults.at(-1)!.start);
      await expect(cluster).toConverge({ within: 30_000 });
    });
  });
}
