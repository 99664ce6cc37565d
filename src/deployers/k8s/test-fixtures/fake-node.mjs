// A stand-in for a chain node inside the test kubelet: serves /health, reports how often it
// started on its data volume (/info) and the chain files it was given (/file?path=…). It
// reads where its mounts are from FAKE_MOUNTS (container path → host dir), as the kubelet
// stand-in lays them out, and listens on FAKE_LISTEN (pod IP:API port).
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const mounts = JSON.parse(process.env.FAKE_MOUNTS ?? '{}');
const [host, port] = (process.env.FAKE_LISTEN ?? '127.0.0.1:0').split(':');
const name = process.env.CHAINLAB_NODE ?? 'node';
const dataDir = process.env.FAKE_DATA_DIR ?? '/data';

function hostPath(path) {
  const mount = Object.keys(mounts)
    .filter((m) => path === m || path.startsWith(`${m}/`))
    .sort((a, b) => b.length - a.length)[0];
  return mount === undefined ? undefined : join(mounts[mount], path.slice(mount.length));
}

if (process.env.FAKE_CRASH) {
  console.error(`${name}: fatal: cannot read its config`);
  process.exit(3);
}

const dataHost = hostPath(dataDir);
mkdirSync(dataHost, { recursive: true });
appendFileSync(join(dataHost, 'starts'), 'x');
const starts = readFileSync(join(dataHost, 'starts'), 'utf8').length;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return res.end('ok');
  if (url.pathname === '/info') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ node: name, starts, pid: process.pid }));
  }
  if (url.pathname === '/file') {
    try {
      return res.end(readFileSync(hostPath(url.searchParams.get('path') ?? '') ?? '/nonexistent'));
    } catch {
      res.statusCode = 404;
      return res.end();
    }
  }
  res.statusCode = 404;
  res.end();
});
server.listen(Number(port), host, () => console.log(JSON.stringify({ event: 'ready', node: name, starts })));
process.on('SIGTERM', () => {
  console.log(`${name} stopping on SIGTERM`);
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
