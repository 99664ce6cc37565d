import { describe, expect, it } from 'vitest';
import { ChannelBook } from './channels.ts';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

describe('ChannelBook', () => {
  it('gives a channel to the signer of sequence 0, then takes only the owner’s next sequence', () => {
    const book = new ChannelBook();
    expect(book.apply({ channel: 'x', owner: a, sequence: 1 })).toEqual({
      code: 'bad_order',
      message: 'sequence 1 on channel x: the next one is 0',
    });
    expect(book.apply({ channel: 'x', owner: a, sequence: 0 })).toBeUndefined();
    expect(book.apply({ channel: 'x', owner: b, sequence: 1 })).toMatchObject({
      code: 'bad_channel',
      message: /owned by aaaaaaaaaaaa…, not bbbbbbbbbbbb…/,
    });
    expect(book.apply({ channel: 'x', owner: a, sequence: 0 })).toMatchObject({ code: 'bad_order' });
    expect(book.apply({ channel: 'x', owner: a, sequence: 1 })).toBeUndefined();
    expect(book.get('x')).toEqual({ owner: a, next: 2 });
  });

  it('copies on child() so a fork’s state does not leak into its parent', () => {
    const parent = new ChannelBook();
    parent.apply({ channel: 'x', owner: a, sequence: 0 });
    const child = parent.child();
    child.apply({ channel: 'x', owner: a, sequence: 1 });
    child.apply({ channel: 'y', owner: b, sequence: 0 });
    expect(parent.toJSON()).toEqual({ x: { owner: a, next: 1 } });
    expect(child.toJSON()).toEqual({ x: { owner: a, next: 2 }, y: { owner: b, next: 1 } });
  });
});
