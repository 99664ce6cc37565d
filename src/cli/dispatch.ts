/**
 * The `chainlab` command line: `chainlab <subcommand> [args]`, dispatched over the
 * {@link subcommands} table. Usage errors (a `ConfigError`) exit 2, failures 1, the message on stderr.
 */
import { ChainlabError, ConfigError } from '../support/errors.ts';
import { subcommands } from './commands.ts';

function globalHelp(): string {
  const names = Object.keys(subcommands);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'usage: chainlab <command> [args]',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}   ${subcommands[n]!.summary}`),
    '',
    'Run `chainlab <command> --help` for its arguments.',
  ].join('\n');
}

/**
 * Runs one `chainlab` invocation and resolves to its exit code.
 *
 * @example
 * process.exitCode = await runChainlab(['sweep', '--json']);
 */
export async function runChainlab(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(subcommands, topic)) return subcommands[topic]!.run(['--help']);
    (name === undefined ? process.stderr : process.stdout).write(`${globalHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(subcommands, name)) {
    process.stderr.write(
      `chainlab: unknown command ${JSON.stringify(name)}; allowed: ${Object.keys(subcommands).join(', ')}\n`,
    );
    return 2;
  }
  try {
    return await subcommands[name]!.run(rest);
  } catch (error) {
    const message = ChainlabError.is(error) ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`chainlab ${name}: ${message}\n`);
    return ConfigError.is(error) ? 2 : 1;
  }
}
