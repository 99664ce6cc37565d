/**
 * The link proxy: the program chainlab puts between every pair of nodes of a cluster, one
 * listening port per directed link, shaped and cut at run time through a small control API
 * (control-server.ts). Run as a child process on 127.0.0.1 by the local deployer and as a
 * container on the cluster's network by the docker deployer. It imports nothing outside
 * this folder, so its image holds these files and the Node binary only.
 *
 *   node src/links/proxy/main.ts --control-host 127.0.0.1 --control-port 0 \
 *     --listen-host 127.0.0.1 --seed 913
 *
 * stdout: one line `{"event":"ready","control":"http://HOST:PORT"}` once the control API
 * listens. stderr: a story of links added, flows set and connections reset. SIGTERM/SIGINT:
 * every link closed, exit 0.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startControlServer } from './control-server.ts';
import { LinkTable } from './link-table.ts';

function fail(message: string): never {
  process.stderr.write(`link proxy: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    'control-host': { type: 'string', default: '127.0.0.1' },
    'control-port': { type: 'string', default: '0' },
    'listen-host': { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '0' },
  },
  strict: true,
});
const controlPort = Number(values['control-port']);
if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535)
  fail(`--control-port must be an integer 0..65535, got ${values['control-port']}`);
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
  fail(`--seed must be an integer 0..4294967295, got ${values.seed}`);

const log = (line: string): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`);
};
const table = new LinkTable({ seed, listenHost: values['listen-host'], log });
const server = await startControlServer(table, values['control-host'], controlPort);
const address = server.address() as AddressInfo;
const host = address.address.includes(':') ? `[${address.address}]` : address.address;
process.stdout.write(`${JSON.stringify({ event: 'ready', control: `http://${host}:${address.port}` })}\n`);
log(`link proxy ready: control API on ${host}:${address.port}, links on ${values['listen-host']}`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log('stopping: closing every link');
  server.closeAllConnections();
  server.close();
  await table.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
