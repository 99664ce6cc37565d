import { describe, expect, it } from 'vitest';
import { createTxSigner, publicKeyFromAddress, txId } from '../codec.ts';
import { buildGenesis } from '../genesis.ts';
import { Chain, nodeKey } from './chain.ts';
import { proofDraw, slotProof, verifySlotProof, winProbability } from './lottery.ts';
import { VerifyCache } from './tx-check.ts';

const slotMs = 100;

function setup(
  options: {
    activeSlotCoeff?: number;
    k?: number;
    now?: () => number;
    ignoreDrift?: boolean;
    mintOnPropose?: boolean;
    deepReorg?: boolean;
    stateRetention?: number;
    validators?: number;
  } = {},
) {
  const { genesis, wallets, nodes } = buildGenesis(
    {
      validators: options.validators ?? 2,
      executors: 0,
      wallets: 2,
      seed: 'chain-test',
      slotMs,
      activeSlotCoeff: options.activeSlotCoeff ?? 1,
      securityParam: options.k ?? 3,
      genesisTime: 1_000_000,
      walletBalance: 1000,
      minFee: 1,
    },
    () => 'peer',
  );
  const keys = nodes.map((n) => nodeKey(n.secretKey, n.publicKey));
  const make = () =>
    new Chain({
      genesis,
      verifyCache: new VerifyCache(),
      now: options.now ?? (() => 10_000_000_000),
      ignoreDrift: options.ignoreDrift,
      mintOnPropose: options.mintOnPropose,
      deepReorg: options.deepReorg,
      stateRetention: options.stateRetention,
    });
  return { genesis, wallets, keys, make };
}

/** Builds a block by validator `v` on `parent` at the first slot ≥ `slot` it wins. */
function mine(
  chain: Chain,
  key: ReturnType<typeof nodeKey>,
  parent: string,
  slot: number,
  txs: Parameters<Chain['buildBlock']>[3] = [],
) {
  for (let s = slot; ; s++) {
    const proof = chain.tryWinSlot(key.secret, key.publicKey, s);
    if (proof) return chain.buildBlock(key, s, proof, txs, 100, parent).block;
  }
}

/** `count` blocks by validator `v` on a chain of their own, one every 10 slots (for a rival branch). */
function rivalBranch(rival: Chain, key: ReturnType<typeof nodeKey>, count: number) {
  const blocks = [];
  let parent = rival.genesisNode.hash;
  for (let i = 1; i <= count; i++) {
    const block = mine(rival, key, parent, i * 10);
    rival.addBlock(block);
    blocks.push(block);
    parent = block.hash;
  }
  return blocks;
}

describe('slot lottery', () => {
  it('wins with probability 1-(1-f)^share, provably by signature', () => {
    const { make, keys, genesis } = setup({ activeSlotCoeff: 0.5, validators: 4 });
    const chain = make();
    let wins = 0;
    const slots = 2000;
    for (let s = 1; s <= slots; s++) if (chain.tryWinSlot(keys[0]!.secret, keys[0]!.publicKey, s)) wins++;
    const expected = winProbability(0.5, 0.25);
    expect(wins / slots).toBeGreaterThan(expected * 0.8);
    expect(wins / slots).toBeLessThan(expected * 1.2);
    // Any party verifies the proof with the public key; another key's proof does not pass.
    const proof = slotProof(keys[0]!.secret, genesis.epochNonce, 7);
    const ok = verifySlotProof(publicKeyFromAddress(keys[0]!.publicKey), genesis.epochNonce, 7, proof, 1, 1);
    expect(ok).toBe(true);
    expect(
      verifySlotProof(publicKeyFromAddress(keys[1]!.publicKey), genesis.epochNonce, 7, proof, 1, 1),
    ).toBe(false);
  });

  it('refuses a block whose proof does not win the slot', () => {
    const { make, keys } = setup({ activeSlotCoeff: 0.05 });
    const chain = make();
    let slot = 1;
    while (chain.tryWinSlot(keys[0]!.secret, keys[0]!.publicKey, slot)) slot++;
    const proof = slotProof(keys[0]!.secret, chain.genesis.epochNonce, slot);
    const { block } = chain.buildBlock(keys[0]!, slot, proof, [], 10);
    const outcome = make().addBlock(block);
    expect(outcome).toMatchObject({ kind: 'invalid', reason: 'bad_proof' });
  });
});

describe('fork choice and finality', () => {
  it('follows the longest chain, breaks a tie by the lower proof draw whichever arrives first, and reports reorgs', () => {
    const { make, keys } = setup({ k: 10 });
    const builder = make();
    const a1 = mine(builder, keys[0]!, builder.genesisNode.hash, 1);
    const b1 = mine(builder, keys[1]!, builder.genesisNode.hash, 2);
    const [low, high] = proofDraw(a1.proof) < proofDraw(b1.proof) ? [a1, b1] : [b1, a1];
    // Low first: the high tip is kept aside. High first: the low tip replaces it.
    const lowFirst = make();
    expect(lowFirst.addBlock(low).kind).toBe('added');
    expect(lowFirst.addBlock(high)).toMatchObject({ kind: 'added', joined: [], removed: [] });
    expect(lowFirst.best.hash).toBe(low.hash);
    const highFirst = make();
    expect(highFirst.addBlock(high).kind).toBe('added');
    const switched = highFirst.addBlock(low);
    expect(switched.kind === 'added' && switched.removed.map((n) => n.hash)).toEqual([high.hash]);
    expect(switched.kind === 'added' && switched.joined.map((n) => n.hash)).toEqual([low.hash]);
    expect(highFirst.best.hash).toBe(low.hash);
    // A longer branch on the tie's loser beats the winner.
    const chain = make();
    chain.addBlock(a1);
    chain.addBlock(b1);
    expect(chain.best.hash).toBe(low.hash);
    builder.addBlock(a1);
    builder.addBlock(b1);
    const longer = mine(builder, keys[1]!, high.hash, high.slot + 1);
    const outcome = chain.addBlock(longer);
    expect(outcome.kind === 'added' && outcome.removed.map((n) => n.hash)).toEqual([low.hash]);
    expect(outcome.kind === 'added' && outcome.joined.map((n) => n.hash)).toEqual([high.hash, longer.hash]);
    expect(chain.best.hash).toBe(longer.hash);
    expect(chain.addBlock(longer).kind).toBe('known');
  });

  it('never reverts a final block: a longer fork from below the final height is refused', () => {
    const { make, keys } = setup({ k: 2 });
    const honest = make();
    let parent = honest.genesisNode.hash;
    for (let slot = 1; slot <= 5; slot++) {
      const block = mine(honest, keys[0]!, parent, slot);
      expect(honest.addBlock(block).kind).toBe('added');
      parent = block.hash;
    }
    expect(honest.finalizedHeight).toBe(3);
    const finalHash = honest.finalizedHash;
    // A competing chain of 8 blocks from genesis, built elsewhere.
    const rival = make();
    let rivalParent = rival.genesisNode.hash;
    const rivalBlocks = [];
    for (let slot = 10; slot < 18; slot++) {
      const block = mine(rival, keys[1]!, rivalParent, slot);
      rival.addBlock(block);
      rivalBlocks.push(block);
      rivalParent = block.hash;
    }
    const outcomes = rivalBlocks.map((b) => honest.addBlock(b));
    expect(outcomes.slice(0, 3).every((o) => o.kind === 'invalid' && o.reason === 'finality_violation')).toBe(
      true,
    );
    expect(honest.finalizedHash).toBe(finalHash);
    expect(honest.height).toBe(5);
  });

  it('with the deep-reorg bug takes a longer fork from below the final height, reverting final blocks', () => {
    const { make, keys } = setup({ k: 2, deepReorg: true });
    const buggy = make();
    let parent = buggy.genesisNode.hash;
    for (let slot = 1; slot <= 5; slot++) {
      const block = mine(buggy, keys[0]!, parent, slot);
      expect(buggy.addBlock(block).kind).toBe('added');
      parent = block.hash;
    }
    expect(buggy.finalizedHeight).toBe(3);
    expect(buggy.reorgFloor).toBe(0);
    const finalHash = buggy.finalizedHash;
    const rival = make();
    let rivalParent = rival.genesisNode.hash;
    const outcomes = [];
    for (let slot = 10; slot < 17; slot++) {
      const block = mine(rival, keys[1]!, rivalParent, slot);
      rival.addBlock(block);
      outcomes.push(buggy.addBlock(block));
      rivalParent = block.hash;
    }
    expect(outcomes.every((o) => o.kind === 'added')).toBe(true);
    // The 6th rival block outgrows the 5 blocks of the old branch: 3 final blocks go.
    const switched = outcomes[5]!;
    expect(switched.kind === 'added' && switched.revertedFinal).toBe(3);
    expect(switched.kind === 'added' && switched.removed).toHaveLength(5);
    expect(buggy.best.hash).toBe(rivalParent);
    expect(buggy.finalizedHeight).toBe(5);
    expect(buggy.canonicalHash(3)).not.toBe(finalHash);
    expect(buggy.canonicalHash(3)).toBe(rival.canonicalHash(3));
  });

  it('with the deep-reorg bug still takes a longer fork whose lower blocks came before finality passed them', () => {
    // A rival branch arrives while it is no longer than ours (as a sync batch can, when this
    // node proposed during the request); then our own blocks finalize past the fork point, and
    // only then does the rival branch outgrow ours.
    const { make, keys } = setup({ k: 2, deepReorg: true });
    const buggy = make();
    const rival = make();
    const rivalBlocks = rivalBranch(rival, keys[1]!, 8);
    let own = buggy.genesisNode.hash;
    const extend = (slot: number) => {
      const block = mine(buggy, keys[0]!, own, slot);
      expect(buggy.addBlock(block).kind).toBe('added');
      own = block.hash;
    };
    for (let slot = 1; slot <= 4; slot++) extend(slot);
    // Rival blocks 1..3: a side branch shorter than ours.
    for (const block of rivalBlocks.slice(0, 3)) expect(buggy.addBlock(block).kind).toBe('added');
    expect(buggy.best.hash).toBe(own);
    // One more own block: final height 3, past the rival branch's blocks 1..3.
    extend(5);
    expect(buggy.finalizedHeight).toBe(3);
    // Rival blocks 4..8: the branch catches up (taken at the tie if its draw is lower) and
    // outgrows ours (6 > 5); taking it reverts final blocks.
    const outcomes = rivalBlocks.slice(3).map((block) => buggy.addBlock(block));
    expect(outcomes.map((o) => o.kind)).toEqual(['added', 'added', 'added', 'added', 'added']);
    expect(buggy.best.hash).toBe(rivalBlocks.at(-1)!.hash);
    expect(buggy.canonicalHash(3)).toBe(rival.canonicalHash(3));
    const switched = outcomes.find((o) => o.kind === 'added' && o.joined.length > 0);
    expect(switched?.kind === 'added' && switched.revertedFinal).toBe(3);
  });

  it('with the deep-reorg bug refuses a fork below the blocks it keeps, even when the branch’s upper blocks are kept', () => {
    const { make, keys } = setup({ k: 2, deepReorg: true, stateRetention: 1 });
    const buggy = make();
    const rivalBlocks = rivalBranch(make(), keys[1]!, 7);
    let own = buggy.genesisNode.hash;
    const extend = (slot: number) => {
      const block = mine(buggy, keys[0]!, own, slot);
      expect(buggy.addBlock(block).kind).toBe('added');
      own = block.hash;
    };
    for (let slot = 1; slot <= 4; slot++) extend(slot);
    for (const block of rivalBlocks.slice(0, 4)) expect(buggy.addBlock(block).kind).toBe('added');
    // Final height 4 with one final block's state kept: rival blocks 1 and 2 are forgotten, 3 and 4 kept.
    extend(5);
    extend(6);
    expect([buggy.finalizedHeight, buggy.reorgFloor]).toEqual([4, 3]);
    const refused = buggy.addBlock(rivalBlocks[4]!);
    expect(refused).toMatchObject({
      kind: 'invalid',
      reason: 'finality_violation',
      message: 'block 5 forks below the blocks this node keeps (from height 3)',
    });
    expect(buggy.best.hash).toBe(own);
  });

  it('rejects a tampered block: hash, state root, tx signature', () => {
    const { make, keys, wallets } = setup();
    const builder = make();
    const sign = createTxSigner(wallets[0]!.secretKey);
    const tx = sign({
      chainId: builder.genesis.chainId,
      from: wallets[0]!.address,
      to: wallets[1]!.address,
      amount: 5,
      fee: 1,
      nonce: 0,
    });
    const block = mine(builder, keys[0]!, builder.genesisNode.hash, 1, [{ ...tx, id: txId(tx) }]);
    expect(block.txs).toHaveLength(1);
    expect(make().addBlock({ ...block, stateRoot: '00'.repeat(32) })).toMatchObject({
      kind: 'invalid',
      reason: 'bad_hash',
    });
    const forged = { ...block, txs: [{ ...block.txs[0]!, sig: '11'.repeat(64) }] };
    expect(make().addBlock(forged)).toMatchObject({ kind: 'invalid', reason: 'bad_tx' });
    const fresh = make();
    expect(fresh.addBlock(block).kind).toBe('added');
    expect(fresh.tipState.get(block.proposer).balance).toBe(1);
    expect(fresh.tipState.supply()).toBe(2000);
  });
});

describe('drift bound', () => {
  it('refuses blocks from beyond maxDriftMs in the future, holds those within it until their slot', () => {
    let now = 1_000_000 + 50 * slotMs;
    const { make, keys } = setup({ now: () => now });
    const chain = make();
    const driftSlots = Math.floor(chain.genesis.maxDriftMs / slotMs);
    const current = chain.currentSlot();
    const far = mine(chain, keys[0]!, chain.genesisNode.hash, current + driftSlots + 2);
    expect(chain.addBlock(far)).toMatchObject({ kind: 'invalid', reason: 'future_block' });
    const near = mine(chain, keys[0]!, chain.genesisNode.hash, current + driftSlots - 1);
    const early = chain.addBlock(near);
    expect(early).toEqual({ kind: 'early', waitMs: near.timestamp - now });
    expect(chain.has(near.hash)).toBe(false);
    // When its slot starts it is added.
    now = near.timestamp;
    expect(chain.addBlock(near)).toMatchObject({ kind: 'added', aheadMs: 0 });
    // Once the wall clock catches up, the earlier future block becomes acceptable.
    now += (driftSlots + 5) * slotMs;
    expect(make().addBlock(far).kind).toBe('added');
  });

  it('does not hold a forged early block: the signature is checked first', () => {
    const now = 1_000_000 + 50 * slotMs;
    const { make, keys } = setup({ now: () => now });
    const chain = make();
    const near = mine(chain, keys[0]!, chain.genesisNode.hash, chain.currentSlot() + 1);
    expect(chain.addBlock({ ...near, sig: '22'.repeat(64) })).toMatchObject({
      kind: 'invalid',
      reason: 'bad_signature',
    });
  });

  it('accepts far-future blocks with the ignore-drift bug', () => {
    const now = 1_000_000;
    const { make, keys } = setup({ now: () => now, ignoreDrift: true });
    const chain = make();
    const far = mine(chain, keys[0]!, chain.genesisNode.hash, 500);
    expect(chain.addBlock(far)).toMatchObject({ kind: 'added', aheadMs: far.timestamp - now });
  });
});

describe('mint-on-propose bug', () => {
  it('grows supply by one per block, and honest nodes refuse those blocks', () => {
    const buggy = setup({ mintOnPropose: true });
    const chain = buggy.make();
    let parent = chain.genesisNode.hash;
    const blocks = [];
    for (let slot = 1; slot <= 3; slot++) {
      const block = mine(chain, buggy.keys[0]!, parent, slot);
      expect(chain.addBlock(block).kind).toBe('added');
      blocks.push(block);
      parent = block.hash;
    }
    expect(chain.tipState.supply()).toBe(2000 + 3);
    const honest = setup().make();
    expect(honest.addBlock(blocks[0]!)).toMatchObject({ kind: 'invalid', reason: 'bad_state_root' });
  });
});

describe('proposer build budget', () => {
  it('stops taking txs at the deadline: a late proposer still proposes, with a smaller block', () => {
    const { make, keys, wallets, genesis } = setup();
    const sign = createTxSigner(wallets[0]!.secretKey);
    const txs = Array.from({ length: 100 }, (_, nonce) => {
      const tx = sign({
        chainId: genesis.chainId,
        from: wallets[0]!.address,
        to: wallets[1]!.address,
        amount: 1,
        fee: 1,
        nonce,
      });
      return { ...tx, id: txId(tx) };
    });
    const chain = make();
    const proof = chain.tryWinSlot(keys[0]!.secret, keys[0]!.publicKey, 1)!;
    const late = chain.buildBlock(keys[0]!, 1, proof, txs, 1000, undefined, [], performance.now() - 1);
    expect({ txs: late.block.txs.length, cut: late.cut }).toEqual({ txs: 0, cut: true });
    // The smaller block is a valid block like any other.
    expect(make().addBlock(late.block).kind).toBe('added');
    const onTime = chain.buildBlock(keys[0]!, 1, proof, txs, 1000);
    expect({ txs: onTime.block.txs.length, cut: onTime.cut }).toEqual({ txs: 100, cut: false });
    expect(make().addBlock(onTime.block).kind).toBe('added');
  });
});
