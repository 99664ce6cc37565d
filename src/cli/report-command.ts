/**
 * `chainlab report <recording.json> [--out file] [--meta file]`: renders the HTML report of a
 * kept recording (a failed run's `recording.json`, or any `Recording` dump). The `chainlab`
 * bin dispatches here; exit code 0 when written, 1 when an input cannot be read, 2 on a
 * usage error.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHtmlReport } from '../observe/html-report/html-report.ts';
import { parseReportMeta, type ReportMeta } from '../observe/html-report/report-meta.ts';
import { Recording } from '../observe/recording.ts';

/** Where the command writes (tests pass their own). */
export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const reportUsage = `Usage: chainlab report <recording.json> [--out <file>] [--meta <file>]

Renders a self-contained HTML report (one file, opens from disk) from a kept recording:
per-node tip and final height over time, blocks per node, tx latency with percentiles,
fault windows by kind, failures with their windows, the seed and the replay command,
links to node logs.

Options:
  --out <file>   where to write (default: the recording's path with .html instead of .json)
  --meta <file>  failures, test file and log links (default: report-meta.json beside the
                 recording, when it exists; without one, <node>.log files beside the
                 recording are linked)
  -h, --help     show this help
`;

class UsageError extends Error {}

interface Args {
  recording: string;
  out: string;
  meta: string | undefined;
}

function parse(argv: readonly string[]): Args | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  const options = {
    out: { type: 'string' },
    meta: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return 'help';
  const [recording, ...extra] = parsed.positionals;
  if (recording === undefined) throw new UsageError('missing <recording.json>');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  for (const flag of ['out', 'meta'] as const)
    if (parsed.values[flag] === '') throw new UsageError(`--${flag} needs a file path, got ""`);
  const out =
    parsed.values.out ??
    join(dirname(recording), `${basename(recording, extname(recording) || undefined)}.html`);
  return { recording, out, meta: parsed.values.meta };
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Log links as seen from the output file (meta hrefs are relative to the meta file). */
function relink(meta: ReportMeta, metaDir: string, outDir: string): ReportMeta {
  return {
    ...meta,
    logs: (meta.logs ?? []).map((l) => {
      if (isAbsolute(l.href) || /^[a-z]+:/i.test(l.href)) return l;
      return { node: l.node, href: relative(outDir, resolve(metaDir, l.href)) || basename(l.href) };
    }),
  };
}

async function loadMeta(args: Args, rec: Recording): Promise<ReportMeta> {
  const recDir = dirname(resolve(args.recording));
  const outDir = dirname(resolve(args.out));
  const metaFile = args.meta ?? join(recDir, 'report-meta.json');
  if (args.meta !== undefined || existsSync(metaFile)) {
    const meta = parseReportMeta(await readJson(metaFile, 'report meta'), `report meta ${metaFile}`);
    return relink(meta, dirname(resolve(metaFile)), outDir);
  }
  // No meta: link the logs a kept artifact dir holds.
  const logs: { node: string; href: string }[] = [];
  for (const n of rec.nodes()) {
    const file = join(recDir, `${n.name}.log`);
    if (existsSync(file)) logs.push({ node: n.name, href: relative(outDir, file) });
  }
  return { logs };
}

/**
 * Runs `chainlab report …`; resolves to the exit code.
 *
 * @example
 * process.exitCode = await runReportCommand(['.chainlab/artifacts/<run>/<cluster>/recording.json']);
 */
export async function runReportCommand(argv: string[], io: CommandIo = process): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`chainlab report: ${(error as Error).message}\n\n${reportUsage}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(reportUsage);
    return 0;
  }
  try {
    if ((await stat(args.recording).catch(() => undefined))?.isDirectory())
      throw new Error(`${args.recording} is a directory; pass the recording.json inside it`);
    const dump = await readJson(args.recording, 'recording');
    let rec: Recording;
    try {
      rec = Recording.fromJSON(dump as Parameters<typeof Recording.fromJSON>[0]);
    } catch (error) {
      throw new Error(`${args.recording} is not a chainlab recording: ${(error as Error).message}`);
    }
    const meta = await loadMeta(args, rec);
    const file = await writeHtmlReport(rec, args.out, meta);
    io.stdout.write(`${file}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`chainlab report: ${(error as Error).message}\n`);
    return 1;
  }
}
