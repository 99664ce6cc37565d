/**
 * How a deployer runs the link proxy: the same launch spec shape as a node's (a process
 * argv, a container image and cmd, readiness), so the local, docker and k8s deployers start it
 * with the machinery they start nodes with. The image is built like refnode's: a
 * `FROM scratch` Node image holding only the proxy's folder (it imports no package).
 */
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageSpec, LaunchSpec } from '../adapter/types.ts';
import type { NodeAllocation } from '../deployers/deployer.ts';

/** Name the proxy runs under (its log file, its container and network alias). */
export const LINK_PROXY_NAME = 'chainlab-links';

/** The proxy's entry in this tree: `.ts` in the repository, `.js` when installed (compiled to dist/). */
const compiled = import.meta.url.endsWith('.js');
const entry = fileURLToPath(new URL(`./proxy/main.${compiled ? 'js' : 'ts'}`, import.meta.url));
/** The dir holding `src/`: the repository root or the package's `dist/`. */
const codeRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The dir with chainlab's package.json. */
const packageRoot = compiled ? dirname(codeRoot) : codeRoot;
const toPosix = (p: string): string => p.split(sep).join(posix.sep);

/** The proxy's image: its folder on Node 24, nothing else. */
export function linkProxyImage(): ImageSpec {
  return {
    name: 'chainlab/links',
    nodeApp: {
      root: packageRoot,
      include: [toPosix(relative(packageRoot, dirname(entry)))],
      entry: toPosix(relative(packageRoot, entry)),
      packages: [],
    },
  };
}

/** Parses the proxy's ready line: `{"event":"ready","control":"http://…"}`. */
export function parseProxyReadyLine(line: string): { apiUrl: string } | undefined {
  if (!line.startsWith('{') || !line.includes('"ready"')) return undefined;
  try {
    const msg = JSON.parse(line) as { event?: string; control?: string };
    return msg.event === 'ready' && typeof msg.control === 'string' ? { apiUrl: msg.control } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The proxy's launch for an allocation: the control API on the allocation's API port, link
 * listeners on its bind host (ports chosen by the proxy), jitter and loss seeded from `seed`.
 */
export function linkProxyLaunch(allocation: NodeAllocation, seed: number): LaunchSpec {
  const args = [
    '--control-host',
    allocation.bindHost,
    '--control-port',
    String(allocation.apiPort),
    '--listen-host',
    allocation.bindHost,
    '--seed',
    String(seed),
  ];
  const image = linkProxyImage();
  return {
    process: { command: process.execPath, args: [entry, ...args], env: {}, cwd: packageRoot },
    container: {
      image,
      cmd: ['node', posix.join('/app', image.nodeApp!.entry), ...args],
      env: {},
      apiPort: allocation.apiPort,
      p2pPort: allocation.p2pPort,
      dataDir: allocation.dataDir,
      files: [],
    },
    readiness: { readyLine: parseProxyReadyLine, healthPath: '/health' },
  };
}

/** The proxy's entry file (for benches and tests that run it by hand). */
export function linkProxyEntry(): string {
  return join(entry);
}
