import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MAX_ORPHAN_BLOCKS, MAX_ORPHAN_BYTES, type OrphanBlock, OrphanBlocks } from './orphan-blocks.ts';

function block(hash: string, parent: string, height: number, bytes = 100): OrphanBlock {
  return { hash, parent, height, data: new Uint8Array(bytes), from: 'peer-a' };
}

async function counted(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('refnode_orphan_blocks_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('OrphanBlocks', () => {
  it('hands back the blocks waiting for a parent once it is added, once', async () => {
    const registry = new Registry();
    const orphans = new OrphanBlocks(registry);
    expect(orphans.keep(block('b2', 'b1', 2))).toBe(true);
    expect(orphans.keep(block('c2', 'b1', 2))).toBe(true);
    expect(orphans.keep(block('b3', 'b2', 3))).toBe(true);
    expect(orphans.keep(block('b3', 'b2', 3)), 'the same block twice').toBe(false);
    expect(orphans.childrenOf('b0')).toEqual([]);
    expect(orphans.childrenOf('b1').map((b) => b.hash)).toEqual(['b2', 'c2']);
    expect(orphans.childrenOf('b1')).toEqual([]);
    expect(orphans.childrenOf('b2').map((b) => b.hash)).toEqual(['b3']);
    expect(orphans.size).toBe(0);
    expect(await counted(registry)).toEqual({ kept: 3, released: 3 });
  });

  it('keeps at most MAX_ORPHAN_BLOCKS blocks and MAX_ORPHAN_BYTES bytes, dropping the oldest', async () => {
    const registry = new Registry();
    const orphans = new OrphanBlocks(registry);
    for (let i = 0; i < MAX_ORPHAN_BLOCKS + 3; i++) orphans.keep(block(`h${i}`, `p${i}`, 10));
    expect(orphans.size).toBe(MAX_ORPHAN_BLOCKS);
    expect(orphans.childrenOf('p0')).toEqual([]);
    expect(orphans.childrenOf(`p${MAX_ORPHAN_BLOCKS + 2}`)).toHaveLength(1);

    const big = new OrphanBlocks(new Registry());
    const third = Math.floor(MAX_ORPHAN_BYTES / 3);
    for (let i = 0; i < 4; i++) big.keep(block(`big${i}`, `q${i}`, 10, third));
    expect(big.size).toBe(3);
    expect(big.childrenOf('q0')).toEqual([]);
    expect(big.keep(block('huge', 'q9', 10, MAX_ORPHAN_BYTES + 1)), 'larger than the whole pool').toBe(false);
    expect((await counted(registry)).dropped).toBe(3);
  });

  it('drops blocks at or below a final height: they can never attach', () => {
    const orphans = new OrphanBlocks(new Registry());
    orphans.keep(block('a5', 'a4', 5));
    orphans.keep(block('a6', 'a5x', 6));
    orphans.keep(block('a7', 'a6x', 7));
    orphans.dropAtOrBelow(6);
    expect(orphans.size).toBe(1);
    expect(orphans.childrenOf('a6x').map((b) => b.hash)).toEqual(['a7']);
  });
});
