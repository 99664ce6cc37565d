// Preloaded (`node --import`) into every Node process the local deployer starts.
// Linux has no portable parent-death signal from Node, so a process whose parent (the
// test worker) was SIGKILLed would live on. This polls the parent pid and, once the
// process is orphaned, stops it the way its owner would have: SIGTERM (graceful), then
// SIGKILL after a grace delay. Plain JS so it loads under any Node without type stripping.
const GRACE_MS = 5000;
const POLL_MS = 250;
const owner = Number(process.env.CHAINLAB_OWNER_PID || process.ppid);

function ownerAlive() {
  if (process.ppid !== owner) return false;
  try {
    process.kill(owner, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const timer = setInterval(() => {
  if (ownerAlive()) return;
  clearInterval(timer);
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), GRACE_MS).unref();
  process.kill(process.pid, 'SIGTERM');
}, POLL_MS);
timer.unref();
