/**
 * Clock skew on Kubernetes, through the same mechanism as the local and docker deployers
 * (src/deployers/faketime.ts): the node runs under libfaketime (`LD_PRELOAD`, in chainlab's
 * images at the Debian path) and reads its wall-clock offset from a file at every clock
 * read (`FAKETIME_NO_CACHE=1`); only `CLOCK_REALTIME` moves.
 *
 * Where the offset file lives, and why there: in the pod's control dir
 * (`/chainlab/control`, an in-memory emptyDir, read-only to the node), rewritten by the
 * signal sidecar through `pods/exec` (write a temp file, rename it over the old one, so a
 * clock read never sees an empty file, which libfaketime would read as offset 0). The exec
 * returns once the file is renamed, so a new offset applies as soon as the call resolves,
 * as on the other deployers, and the cluster's clock confirmation then reads it back from
 * the node's API. A ConfigMap volume was not used: the kubelet refreshes those on its sync
 * period plus its cache TTL (a minute or more by default, unannounced), so a change would
 * land at an unknown moment on each node; and a `subPath` mount of one never updates.
 * A new pod of the node (restart, start after kill) gets the last offset from an init
 * container before the node starts.
 */

import { faketimeEnv, faketimeOffset, OFFSET_FILE } from './seam.ts';
import { CONTROL_DIR } from './sidecar-scripts.ts';

/** Name of the offset file in the pod's control dir. */
export const CLOCK_FILE = OFFSET_FILE;

/**
 * The node container's environment for a skewable clock: libfaketime reading
 * `/chainlab/control/offset`.
 *
 * @example
 * podClockEnv().FAKETIME_TIMESTAMP_FILE; // '/chainlab/control/offset'
 */
export function podClockEnv(): Record<string, string> {
  return faketimeEnv(`${CONTROL_DIR}/${CLOCK_FILE}`);
}

/**
 * The offset file's content for `offsetMs` (libfaketime's relative syntax).
 *
 * @example
 * clockFileContent(-200); // '-0.200s\n'
 */
export function clockFileContent(offsetMs: number): string {
  return `${faketimeOffset(offsetMs)}\n`;
}
