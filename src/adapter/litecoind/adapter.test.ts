/**
 * The litecoind adapter without nodes: its options and the cluster options it refuses come
 * as one `ConfigError` naming each; its facts state Poisson blocks, depth finality and an
 * emission the shared supply rule computes exactly as litecoind's consensus does; a node
 * launches with the same argv as a process and in its native-binary image; a flat fee is
 * refused before anything is signed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Cluster } from '../../cluster/cluster.ts';
import { Recording } from '../../observe/recording.ts';
import { AdapterError, ConfigError } from '../../support/errors.ts';
import { expectedSupply } from '../facets.ts';
import type { LaunchEndpoints } from '../types.ts';
import { litecoindAdapter } from './adapter.ts';
import { emittedSupply } from './emission.ts';
import { litecoindFacts } from './facts.ts';
import { LitecoindUserWallet } from './user-wallet.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (ConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('litecoind adapter options', () => {
  test('cluster options litecoind has no use for are refused with the other bad options, each named', () => {
    const error = configError(
      () =>
        new Cluster({
          adapter: litecoindAdapter(),
          validators: 0,
          executors: 1,
          slotMs: 200,
          activeSlotCoeff: 0.5,
          securityParam: 500,
          mempool: { maxCount: 100 },
          maxBlockTxs: 10,
        }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'validators',
      'executors',
      'securityParam',
      'mempool.maxCount',
      'maxBlockTxs',
      'slotMs',
      'activeSlotCoeff',
    ]);
    expect(error.message).toContain(
      '  - executors: got 1, allowed: 0: litecoind has no executors (every node is a miner; set validators)',
    );
    expect(error.message).toContain(
      '  - slotMs: got 200, allowed: nothing: the litecoind adapter has no `slots` facet',
    );
    expect(error.message).toContain(
      '  - mempool.maxCount: got 100, allowed: nothing: litecoind bounds its mempool by memory (-maxmempool), not by a count or bytes of txs',
    );
  });

  test('adapter options are checked when it is made', () => {
    const error = configError(() => litecoindAdapter({ blockIntervalMs: 10, finalityDepth: 0 }));
    expect(error.message).toMatch(/^invalid litecoind adapter options: 2 problems\n/);
    expect(error.issues).toEqual([
      { path: 'blockIntervalMs', value: 10, allowed: 'an integer 50..3600000 (mean ms between blocks)' },
      { path: 'finalityDepth', value: 0, allowed: 'an integer 1..100 (confirmations)' },
    ]);
  });
});

describe('litecoind facts', () => {
  test('blocks arrive like proof of work, final k deep, supply from the UTXO set', () => {
    const facts = litecoindFacts({ blockIntervalMs: 1000, depth: 6 });
    expect(facts).toMatchObject({
      adapter: 'litecoind',
      production: { model: 'poisson', expectedIntervalMs: 1000 },
      finality: { rule: 'depth', depth: 6 },
      facets: ['supply', 'mempool', 'forging', 'clock-skew', 'containers'],
      defaultFee: { perVbyte: 2n },
      supply: { genesis: 0n, source: 'utxo-set' },
    });
  });

  test("the shared emission rule gives litecoind's own supply at every height, across halvings", () => {
    const supply = litecoindFacts({ blockIntervalMs: 1000, depth: 6 }).supply!;
    for (const h of [0, 1, 101, 149, 150, 151, 299, 300, 449, 1000, 9_700, 10_000]) {
      expect(expectedSupply(supply, h), `height ${h}`).toBe(emittedSupply(h));
    }
  });

  test('a recording of a litecoind chain keeps its bigint facts through JSON', () => {
    const facts = litecoindFacts({ blockIntervalMs: 250, depth: 3 });
    const rec = new Recording({ seed: 7, facts });
    const loaded = Recording.fromJSON(JSON.parse(JSON.stringify(rec)));
    expect(loaded.facts).toEqual(facts);
  });
});

describe('litecoind launch', () => {
  test('a process and a container run the same regtest argv; the image is the native daemon', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chainlab-ltc-adapter-'));
    dirs.push(dir);
    const adapter = litecoindAdapter({ binary: '/usr/lib/litecoin/litecoind' });
    const topology = new Cluster({ adapter, validators: 2 }).resolved.topology;
    const chain = await adapter.prepare(topology, dir, 1);
    // Only the RPC credentials are written (regtest's genesis is built in), readable by the owner only.
    const creds = JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8'));
    expect(Object.keys(creds)).toEqual(['user', 'password']);
    const ep: LaunchEndpoints = {
      bindHost: '0.0.0.0',
      host: 'val-0',
      apiPort: 8080,
      p2pPort: 9000,
      dataDir: '/data',
      chainDir: '/chain',
      peers: [{ name: 'val-1', host: 'val-1', p2pPort: 9000 }],
    };
    const spec = chain.launch(topology.nodes[0]!, ep);
    expect(spec.process.command).toBe('/usr/lib/litecoin/litecoind');
    expect(spec.container!.image).toEqual({
      name: 'chainlab/litecoind',
      nativeBinary: { binary: '/usr/lib/litecoin/litecoind', imagePath: '/usr/local/bin/litecoind' },
    });
    expect(spec.container!.cmd).toEqual(['/usr/local/bin/litecoind', ...spec.process.args]);
    expect(spec.process.args).toEqual(
      expect.arrayContaining([
        '-regtest',
        '-datadir=/data',
        '-rpcbind=0.0.0.0:8080',
        '-bind=0.0.0.0:9000',
        '-connect=val-1:9000',
        '-vbparams=mweb:9999999999:9999999999',
      ]),
    );
    // The password never appears in argv: the node gets an HMAC of it.
    expect(spec.process.args.join(' ')).not.toContain(creds.password);
    expect(spec.readiness.healthPath).toBe('/rest/chaininfo.json');
    expect(chain.facts.finality).toEqual({ rule: 'depth', depth: 6 });
    expect(chain.afterStart).toBeTypeOf('function');
    expect(chain.forger?.kinds.map((k) => k.kind)).toContain('double_spend');
  });
});

describe('litecoind wallets', () => {
  test('a flat fee is refused before anything is signed: litecoind pays per vbyte', async () => {
    const wallet = new LitecoindUserWallet(
      { index: 0, address: 'rltc1qexample', balance: 1n, node: 'val-0', name: 'user-0' },
      () => {
        throw new Error('no node needed to refuse a flat fee');
      },
      2n,
    );
    await expect(
      wallet.transfer({ to: 'rltc1qother', amount: 100_000n, fee: { flat: 500n } }),
    ).rejects.toThrow(AdapterError);
    await expect(
      wallet.transfer({ to: 'rltc1qother', amount: 100_000n, fee: { flat: 500n } }),
    ).rejects.toThrow(
      'litecoind fees are a rate per vbyte ({ perVbyte }), not a flat fee per tx (got { flat: 500 })',
    );
    const tx = await wallet.transfer({ to: 'rltc1qother', amount: 100_000n });
    expect(tx.summary).toEqual({ from: 'rltc1qexample', to: 'rltc1qother', amount: 100_000n });
    expect(tx.id).toBeUndefined();
  });
});
