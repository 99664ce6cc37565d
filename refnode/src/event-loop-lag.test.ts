import { describe, expect, it } from 'vitest';
import { EventLoopLag } from './event-loop-lag.ts';

describe('EventLoopLag', () => {
  it('reads 0 before it starts, and shows a stalled loop once it runs again', async () => {
    const lag = new EventLoopLag(20);
    expect(lag.ms).toBe(0);
    lag.start();
    // Stall the loop for 300 ms: the next tick comes ≥ 280 ms late, and a fifth of that shows at once.
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // busy
    }
    await new Promise((ok) => setTimeout(ok, 25));
    expect(lag.ms).toBeGreaterThanOrEqual(0.2 * 280 * 0.8 ** 2);
    lag.stop();
  });
});
