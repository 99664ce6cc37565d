/**
 * The `chainlab` subcommands, by name. Each module is loaded only when its command runs, so
 * `chainlab sweep` does not load refnode and `chainlab refnode` does not load Docker.
 */
import type { Subcommand } from './subcommand.ts';

export const subcommands: Readonly<Record<string, Subcommand>> = {
  refnode: {
    summary: 'run the reference chain node (genesis, run, tx, blob); `chainlab refnode --help`',
    run: async (argv) => (await import('./refnode-command.ts')).runRefnodeCommand(argv),
  },
  sweep: {
    summary: 'remove what killed runs left: processes, containers, networks, volumes, temp dirs',
    run: async (argv) => (await import('./sweep-command.ts')).runSweepCommand(argv),
  },
  report: {
    summary: 'render a kept recording.json as the self-contained HTML report; `chainlab report --help`',
    run: async (argv) => (await import('./report-command.ts')).runReportCommand(argv),
  },
};
