// The run reaper: a tiny detached process started once per run. It waits for the run's
// owner (the test worker) to die and then does what the owner could not: stops every
// process carrying the run id (SIGTERM, SIGKILL after a grace delay) and removes the run
// dir. It exits as soon as the run dir is gone (the owner cleaned up normally).
// Detached (own process group) so a terminal Ctrl-C that kills the owner does not kill it
// first. Plain JS so it starts fast under any Node. Linux /proc for process discovery.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const [ownerArg, runId, runDir] = process.argv.slice(2);
const owner = Number(ownerArg);
const POLL_MS = 250;
const GRACE_MS = 5000;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function runProcesses() {
  const marker = `CHAINLAB_RUN=${runId}`;
  const out = [];
  let names = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(marker))
        out.push(Number(name));
    } catch {}
  }
  return out;
}

function signalAll(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

async function reap() {
  const first = runProcesses();
  signalAll(first, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline && runProcesses().length > 0) await new Promise((r) => setTimeout(r, 100));
  signalAll(runProcesses(), 'SIGKILL');
  rmSync(runDir, { recursive: true, force: true });
  process.exit(0);
}

const timer = setInterval(() => {
  if (!existsSync(runDir)) process.exit(0);
  if (!alive(owner)) {
    clearInterval(timer);
    void reap();
  }
}, POLL_MS);
