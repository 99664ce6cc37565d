/**
 * sha256 of host files, remembered across processes by (path, inode, size, mtime): every
 * test process must know an image's content hash before it can tell the image is cached,
 * and hashing the Node binary plus thousands of package files anew costs seconds (tens on
 * a loaded machine), while a stat per file costs milliseconds.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface Entry {
  key: string;
  sha256: string;
}

/** Where the cache lives; `CHAINLAB_CACHE_DIR` overrides `<tmpdir>/chainlab-cache`. */
export function hashCacheFile(): string {
  return join(process.env.CHAINLAB_CACHE_DIR || join(tmpdir(), 'chainlab-cache'), 'file-hashes.json');
}

let loaded: Promise<Map<string, Entry>> | undefined;
let dirty = false;

function load(): Promise<Map<string, Entry>> {
  loaded ??= readFile(hashCacheFile(), 'utf8').then(
    (text) => new Map(Object.entries(JSON.parse(text) as Record<string, Entry>)),
    () => new Map<string, Entry>(),
  );
  return loaded;
}

async function digest(file: string, size: number): Promise<string> {
  // small files in one read (most package files); big ones streamed
  if (size < 1024 * 1024)
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  return new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** sha256 (hex) of a host file, from the cache when the file did not change. */
export async function hashFile(file: string): Promise<string> {
  const cache = await load();
  const st = await stat(file);
  const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.sha256;
  const sha256 = await digest(file, st.size);
  cache.set(file, { key, sha256 });
  dirty = true;
  return sha256;
}

/** Writes new hashes to disk (atomically; a lost race only costs a re-hash next time). */
export async function saveHashCache(): Promise<void> {
  if (!dirty || loaded === undefined) return;
  dirty = false;
  const cache = await loaded;
  const file = hashCacheFile();
  try {
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(Object.fromEntries(cache)));
    await rename(temp, file);
  } catch {
    // a cache only: failing to write it changes nothing but speed
  }
}
