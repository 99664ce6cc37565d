/** Node log files: one per node, stdout + stderr, appended across restarts. */
import { open } from 'node:fs/promises';

/** The last `lines` lines of a file (reads at most the last 64 KiB). */
export async function tailFile(file: string, lines = 30): Promise<string> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
