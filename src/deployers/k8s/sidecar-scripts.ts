/**
 * What the signal sidecar runs. The node's image may be `FROM scratch` with one binary and
 * no shell, and a container's first process is PID 1 of its PID namespace, which ignores
 * SIGKILL and SIGSTOP sent from inside that namespace; so pods share one PID namespace
 * (`shareProcessNamespace`: the pod's pause container is PID 1, the node is not) and a small
 * sidecar with a POSIX shell (busybox) delivers signals through `pods/exec`.
 *
 * The sidecar finds the node's processes by a marker in their environment
 * (`CHAINLAB_TARGET=<value>`), which its own processes never carry: the marker is passed to
 * the exec'd shell as an argument, not in its environment. Reading another process's
 * environment and signalling it needs the same user, so the sidecar runs as the node's user.
 */

/** Env var that marks the node container's processes (value `<namespace>/<node>/`). */
export const TARGET_ENV = 'CHAINLAB_TARGET';

/** Where the shared control dir (clock offsets and other run-time settings) is mounted. */
export const CONTROL_DIR = '/chainlab/control';

/**
 * `sh -c SIGNAL_SCRIPT chainlab-signal <SIGNAL> <CHAINLAB_TARGET=marker>`: sends SIGNAL
 * (`KILL`, `STOP`, `CONT`, `TERM`) to every process whose environment carries the marker
 * and prints their pids; exit 3 when none does (the node already exited). One `grep` reads
 * every environment, one NUL-terminated variable per line (`-z`), matching whole variables
 * (`-x`), so `val-1/` never matches `val-10/`; busybox and GNU grep both do this.
 */
export const SIGNAL_SCRIPT = [
  'sig="$1"; marker="$2"; found=""',
  'for f in $(grep -l -x -z -F "$marker" /proc/[0-9]*/environ 2>/dev/null); do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  '  p="${f#/proc/}"; p="${p%/environ}"',
  '  [ "$p" = "$$" ] && continue',
  '  kill -s "$sig" "$p" 2>/dev/null && found="$found $p"',
  'done',
  '[ -n "$found" ] || { echo "no process carries $marker" >&2; exit 3; }',
  'echo "signalled$found"',
].join('\n');

/** `sh -c WRITE_SCRIPT chainlab-write <path> <content>`: writes a control file atomically. */
export const WRITE_SCRIPT = 'printf "%s" "$2" > "$1.tmp" && mv "$1.tmp" "$1"';

/**
 * `sh -c PROBE_SCRIPT chainlab-probe <url>`: exit 0 when `url` answers within 2 s. Used to
 * prove a NetworkPolicy isolation took effect (and was lifted). `timeout` rather than
 * wget's own `-T`, which some busybox builds leave out.
 */
export const PROBE_SCRIPT = 'timeout 2 wget -q -O /dev/null "$1"';

/**
 * The sidecar's own process: sleeps until the pod stops. Not PID 1 (the pod shares one PID
 * namespace), so SIGTERM ends it at once; the trap says so explicitly.
 */
export const SIDECAR_MAIN = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

/** Init container: writes the initial control files, given as `<name> <content>` pairs. */
export const CONTROL_INIT_SCRIPT = [
  'while [ "$#" -ge 2 ]; do',
  `  printf "%s" "$2" > "${CONTROL_DIR}/$1" || exit 1`,
  '  shift 2',
  'done',
].join('\n');

/** The argv of an exec that sends `signal` to the node's processes. */
export function signalCommand(signal: 'KILL' | 'STOP' | 'CONT' | 'TERM', marker: string): string[] {
  return ['sh', '-c', SIGNAL_SCRIPT, 'chainlab-signal', signal, `${TARGET_ENV}=${marker}`];
}
