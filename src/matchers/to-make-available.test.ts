import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../test/fixtures/simulated-history.ts';
import type { BlobRecord, BlobRetrieval } from '../observe/recording.ts';
import { Recording } from '../observe/recording.ts';
import { availabilityFailure, checkMakeAvailable } from './to-make-available.ts';
import './vitest.ts';

const hex = (n: number, c: string): string => `${c.repeat(8)}${n.toString(16).padStart(56, '0')}`;

/** A blob published at `t` seconds, certified 1 s later, included 1.5 s later at `height`, retrieved intact from val-1. */
function blob(seq: number, over: Partial<BlobRecord> = {}, channel = 'da-0'): BlobRecord {
  const t = 1000 + seq * 300;
  const dataHash = hex(seq, 'd');
  return {
    id: hex(seq, channel === 'da-0' ? 'a' : 'b'),
    channel,
    owner: hex(0, 'e'),
    sequence: seq,
    size: 1000 + seq,
    dataHash,
    workload: 'data-availability',
    node: seq % 2 === 0 ? 'exe-0' : 'exe-1',
    publishedAt: t,
    outcome: 'accepted',
    certifiedAt: t + 1000,
    includedAt: t + 1500,
    height: 3 + seq,
    blockHash: hex(seq, 'c'),
    retrievals: [{ node: 'val-1', at: t + 2000, ok: true, dataHash, size: 1000 + seq }],
    ...over,
  };
}

const base = simulateHistory({ durationMs: 10_000, nodes: [{ name: 'val-0' }, { name: 'val-1' }] });

/** A frozen recording (t = 10 s, seed 913) holding `blobs`, each in the simulated chain's block at its height. */
function recordingOf(blobs: BlobRecord[]): Recording {
  const onChain = blobs.map((b) =>
    b.height === undefined || b.blockHash !== hex(b.sequence, 'c')
      ? b
      : { ...b, blockHash: base.hashAt('val-0', b.height) ?? 'missing' },
  );
  return Recording.fromJSON({ ...base.toDump(), blobs: onChain });
}

const workload = (rec: Recording) => ({
  name: 'data-availability',
  published: () => rec.blobsOf('data-availability'),
});
const window = { from: 5000, to: 10_000 };

describe('checkMakeAvailable on recorded blob histories', () => {
  test('certified, included in order and retrieved intact from another node: available', () => {
    const rec = recordingOf([0, 1, 2, 3].map((s) => blob(s)).concat([0, 1].map((s) => blob(s, {}, 'da-1'))));
    expect(
      checkMakeAvailable(
        rec,
        rec.blobsOf().map((b) => b.id),
      ),
    ).toMatchObject({
      kind: 'available',
      total: 6,
      available: 6,
    });
  });

  test('a blob id that was never published is named', () => {
    const rec = recordingOf([blob(0), blob(1)]);
    const v = checkMakeAvailable(rec, [blob(0).id, blob(1).id, 'f'.repeat(64)], {}, rec.now(), 'given');
    expect(v).toMatchObject({ kind: 'unavailable', total: 3, available: 2 });
    expect(availabilityFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected all 3 blobs (given) to be certified, included in order per channel and retrievable byte-for-byte from a node other than its entry point within 5.0s (between t=5.0s and t=10.0s); 2 were (66.7%), 1 not: ffffffff… was never published (not in the recording) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a blob that could not be retrieved names the node, the attempts and the reason', () => {
    const failed: BlobRetrieval[] = [
      { node: 'val-0', at: 3000, ok: false, reason: 'unavailable: 1 of 2 chunks reachable' },
      { node: 'val-1', at: 3500, ok: false, reason: 'unavailable: 1 of 2 chunks reachable' },
    ];
    const rec = recordingOf([blob(0), blob(1, { retrievals: failed })]);
    const v = checkMakeAvailable(
      rec,
      rec.blobsOf().map((b) => b.id),
      {},
      rec.now(),
      'of workload data-availability',
    );
    expect(v).toMatchObject({ kind: 'unavailable', available: 1, missing: [{ why: 'retrieval-failed' }] });
    expect(availabilityFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected all 2 blobs (of workload data-availability) to be certified, included in order per channel and retrievable byte-for-byte from a node other than its entry point within 5.0s (between t=5.0s and t=10.0s); 1 were (50%), 1 not: aaaaaaaa… (channel da-0 #1, 1001 B, published to exe-1 at t=1.3s) was included at height 4 but could not be retrieved (2 attempts; last from val-1 at t=3.5s: unavailable: 1 of 2 chunks reachable) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('only the entry point gave it back: not retrieved from another node (any node is enough with from: any)', () => {
    const rec = recordingOf([
      blob(0, { retrievals: [{ node: 'exe-0', at: 3000, ok: true, dataHash: hex(0, 'd'), size: 1000 }] }),
    ]);
    const ids = [blob(0).id];
    const v = checkMakeAvailable(rec, ids);
    expect(v).toMatchObject({ kind: 'unavailable', missing: [{ why: 'not-retrieved' }] });
    expect(availabilityFailure(v, window, rec.seed)).toContain(
      'aaaaaaaa… (channel da-0 #0, 1000 B, published to exe-0 at t=1.0s) was included at height 3 but never retrieved from another node',
    );
    expect(checkMakeAvailable(rec, ids, { from: 'any' })).toMatchObject({ kind: 'available' });
  });

  test('other bytes than published are corrupt, with both sizes and hashes', () => {
    const rec = recordingOf([
      blob(0, { retrievals: [{ node: 'val-2', at: 3000, ok: true, dataHash: 'be'.repeat(32), size: 999 }] }),
    ]);
    const v = checkMakeAvailable(rec, [blob(0).id]);
    expect(availabilityFailure(v, window, rec.seed)).toContain(
      'came back from val-2 with other bytes (999 B, sha256 bebebebe…; published 1000 B, sha256 dddddddd…)',
    );
  });

  test('refused, uncertified and unincluded blobs say so', () => {
    const rec = recordingOf([
      blob(0, { outcome: 'rejected', reason: 'bad_order: sequence 0 is already taken', retrievals: [] }),
      blob(1, { certifiedAt: undefined, includedAt: undefined, height: undefined, retrievals: [] }),
      blob(2, { includedAt: undefined, height: undefined, blockHash: undefined, retrievals: [] }),
    ]);
    const v = checkMakeAvailable(
      rec,
      rec.blobsOf().map((b) => b.id),
    );
    const message = availabilityFailure(v, window, rec.seed);
    expect(message).toContain('0 were (0%), 3 not:');
    expect(message).toContain(
      '(channel da-0 #0, 1000 B, published to exe-0 at t=1.0s) was refused: bad_order: sequence 0 is already taken',
    );
    expect(message).toContain(
      '(channel da-0 #1, 1001 B, published to exe-1 at t=1.3s) was accepted but never certified',
    );
    expect(message).toContain(
      '(channel da-0 #2, 1002 B, published to exe-0 at t=1.6s) was certified at t=2.6s but never included in a block',
    );
  });

  test('a later sequence in a lower block is out of order', () => {
    const rec = recordingOf([blob(0, { height: 9 }), blob(1, { height: 5 })]);
    const v = checkMakeAvailable(
      rec,
      rec.blobsOf().map((b) => b.id),
    );
    expect(v).toMatchObject({ kind: 'out-of-order', channel: 'da-0' });
    expect(availabilityFailure(v, window, rec.seed)).toContain(
      'channel da-0 #1 (aaaaaaaa…) is at height 5, below #0 (aaaaaaaa…) at height 9',
    );
  });

  test('a blob seen only in a block that lost a fork is not included', () => {
    const rec = recordingOf([blob(0), blob(1, { blockHash: 'fe'.repeat(32) })]);
    const v = checkMakeAvailable(
      rec,
      rec.blobsOf().map((b) => b.id),
    );
    expect(v).toMatchObject({ kind: 'unavailable', missing: [{ why: 'reorged-out' }] });
    expect(availabilityFailure(v, window, rec.seed)).toContain(
      '(channel da-0 #1, 1001 B, published to exe-1 at t=1.3s) was seen in block fefefefe… at height 4, which no node has on its best chain any more',
    );
  });

  test('judged as of an earlier time, later certification does not count', () => {
    const rec = recordingOf([blob(0)]);
    expect(checkMakeAvailable(rec, [blob(0).id], {}, 1500)).toMatchObject({
      kind: 'unavailable',
      missing: [{ why: 'not-certified' }],
    });
  });

  test('nothing published is a failure that says so', () => {
    const rec = recordingOf([]);
    const v = checkMakeAvailable(rec, []);
    expect(availabilityFailure(v, window, rec.seed)).toContain('there were no blobs to check');
  });
});

describe('toMakeAvailable on a recording', () => {
  test('passes on an available workload and fails with the seed otherwise', async () => {
    const good = recordingOf([blob(0), blob(1)]);
    await expect(good).toMakeAvailable(workload(good));
    await expect(good).not.toMakeAvailable([blob(0).id, 'f'.repeat(64)]);
    const bad = recordingOf([blob(0, { retrievals: [] })]);
    const error = await expect(bad)
      .toMakeAvailable(workload(bad), { within: 0 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ actual: { kind: 'unavailable' }, expected: { kind: 'available' } });
    expect((error as Error).message).toContain(
      'was included at height 3 but never retrieved from another node',
    );
    expect((error as Error).message).toContain('(seed 913)');
  });

  test('bad options are a ConfigError naming the option', async () => {
    const rec = recordingOf([blob(0)]);
    await expect(expect(rec).toMakeAvailable(workload(rec), { from: 'validator' } as never)).rejects.toThrow(
      /toMakeAvailable.*from/s,
    );
  });
});

describe('certificates are judged as the adapter verified them', () => {
  const stake = { [hex(1, 'f')]: 100n, [hex(2, 'f')]: 100n, [hex(3, 'f')]: 100n };
  const daFacts = simulateHistory({
    durationMs: 10_000,
    nodes: [{ name: 'val-0' }, { name: 'val-1' }],
    facts: { da: { threshold: 200n, stake, tolerance: 2 } },
  });
  const withDa = (blobs: BlobRecord[]): Recording => {
    const onChain = blobs.map((b) => ({ ...b, blockHash: daFacts.hashAt('val-0', b.height!) ?? 'missing' }));
    return Recording.fromJSON({ ...daFacts.toDump(), blobs: onChain });
  };
  const cert = (signers: string[], over: Partial<NonNullable<BlobRecord['certificate']>> = {}) => ({
    at: 5000,
    node: 'val-0',
    blockHash: 'x',
    validSigners: signers,
    invalid: [],
    stake: signers.reduce((s, v) => s + (stake[v] ?? 0n), 0n),
    threshold: 200n,
    ...over,
  });

  test('a verified certificate with the threshold stake counts; an unchecked one is waited for', () => {
    const ok = withDa([blob(0, { certificate: cert([hex(1, 'f'), hex(2, 'f')]) })]);
    expect(checkMakeAvailable(ok, [blob(0).id]).kind).toBe('available');
    const unchecked = withDa([blob(0)]);
    expect(checkMakeAvailable(unchecked, [blob(0).id])).toMatchObject({
      kind: 'unavailable',
      missing: [{ why: 'certificate-unchecked' }],
    });
  });

  test('too little valid stake, or an attestation that does not verify, fails naming both', () => {
    const thin = withDa([blob(0, { certificate: cert([hex(1, 'f')]) })]);
    const v = checkMakeAvailable(thin, [blob(0).id], {}, thin.now(), 'given');
    expect(v).toMatchObject({ kind: 'unavailable', missing: [{ why: 'certificate-below-threshold' }] });
    expect(availabilityFailure(v, window, 913).split('\n')[0]).toContain(
      'with a certificate whose valid attestations (1 validator) hold stake 100, below the threshold 200',
    );
    const forged = withDa([
      blob(0, {
        certificate: cert([hex(1, 'f'), hex(2, 'f')], {
          invalid: [{ signer: hex(3, 'f'), why: 'signature does not verify' }],
        }),
      }),
    ]);
    const f = checkMakeAvailable(forged, [blob(0).id], {}, forged.now(), 'given');
    expect(availabilityFailure(f, window, 913).split('\n')[0]).toContain(
      `with a certificate whose attestation by ${hex(3, 'f').slice(0, 8)}… does not verify (signature does not verify; 1 invalid attestation)`,
    );
  });

  test('a blob retrieved with validators down must come back intact', () => {
    const good = cert([hex(1, 'f'), hex(2, 'f')]);
    const lost = withDa([
      blob(0, {
        certificate: good,
        retrievals: [
          { node: 'val-1', at: 3000, ok: true, dataHash: hex(0, 'd'), size: 1000 },
          {
            node: 'exe-1',
            at: 6000,
            ok: false,
            reason: 'unavailable: 1 of 2 chunks',
            down: ['val-2', 'val-3'],
          },
        ],
      }),
    ]);
    const v = checkMakeAvailable(lost, [blob(0).id], {}, lost.now(), 'given');
    expect(v).toMatchObject({ kind: 'unavailable', missing: [{ why: 'lost-with-validators-down' }] });
    expect(availabilityFailure(v, window, 913).split('\n')[0]).toContain(
      'could not be retrieved from exe-1 at t=6.0s with val-2 and val-3 down (2 validators, as many as the chain tolerates): unavailable: 1 of 2 chunks',
    );
  });
});
