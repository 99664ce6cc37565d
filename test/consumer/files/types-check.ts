// Copied into the consumer project and type-checked there against the installed .d.ts: the
// matchers carry chainlab's option types for Vitest and for Jest's `@jest/globals` (an
// unknown option does not compile, so they are not `any`).
import { expect as jestExpect } from '@jest/globals';
import type { StartedCluster } from 'chainlab';
import type {} from 'chainlab/jest';
import type {} from 'chainlab/vitest';
import { expect } from 'vitest';

export async function typed(cluster: StartedCluster): Promise<void> {
  await expect(cluster).toStayLive({ for: 1000 });
  await jestExpect(cluster).toConverge({ within: 1000 });
  // @ts-expect-error toStayLive has no option `forever`
  await expect(cluster).toStayLive({ forever: true });
  // @ts-expect-error toStayLive has no option `forever`
  await jestExpect(cluster).toStayLive({ forever: true });
}
