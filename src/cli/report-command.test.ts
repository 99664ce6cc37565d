/**
 * `chainlab report`: renders a kept recording into a self-contained HTML file, finds the
 * report meta and node logs beside it, and says what is wrong with bad input.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { reportUsage, runReportCommand } from './report-command.ts';

const recorded = join(import.meta.dirname, '../../test/fixtures/recordings/validators-stopped.json');
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chainlab-report-cli-'));
  dirs.push(d);
  return d;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runReportCommand(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

/** The report data embedded in a written page. */
function pageData(file: string): {
  seed: number;
  failures: { matcher?: string }[];
  nodes: { name: string; log?: string }[];
} {
  const html = readFileSync(file, 'utf8');
  const json = /<script id="chainlab-report-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  return JSON.parse(json!);
}

describe('chainlab report', () => {
  test('--help prints the usage and exits 0', async () => {
    expect(await run('--help')).toEqual({ code: 0, out: reportUsage, err: '' });
  });

  test('renders next to the recording by default and prints the path', async () => {
    const dir = tempDir();
    const rec = join(dir, 'recording.json');
    copyFileSync(recorded, rec);
    writeFileSync(join(dir, 'val-1.log'), '{"msg":"hello"}\n');
    const { code, out, err } = await run(rec);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(`${join(dir, 'recording.html')}\n`);
    const data = pageData(join(dir, 'recording.html'));
    expect(data.seed).toBe(913);
    // Without meta, the <node>.log files beside the recording are linked.
    expect(data.nodes.map((n) => n.log)).toEqual([undefined, 'val-1.log', undefined, undefined]);
  });

  test('reads report-meta.json beside the recording and relinks logs for another --out dir', async () => {
    const dir = tempDir();
    const rec = join(dir, 'recording.json');
    copyFileSync(recorded, rec);
    const meta = {
      testFile: 'examples/x.test.ts',
      failures: [
        { matcher: 'toStayLive', message: 'stalled', window: { from: 14000, to: 20000 }, at: 20000 },
      ],
      logs: [{ node: 'val-0', href: 'val-0.log' }],
    };
    writeFileSync(join(dir, 'report-meta.json'), JSON.stringify(meta));
    const out = join(dir, 'elsewhere', 'page.html');
    expect((await run(rec, '--out', out)).code).toBe(0);
    const data = pageData(out);
    expect(data.failures.map((f) => f.matcher)).toEqual(['toStayLive']);
    expect(data.nodes[0]?.log).toBe('../val-0.log');
  });

  test('usage errors exit 2 and name the problem', async () => {
    expect(await run()).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^chainlab report: missing <recording\.json>\n/),
    });
    expect(await run('a.json', '--colour')).toMatchObject({
      code: 2,
      err: expect.stringContaining("'--colour'"),
    });
    expect(await run('a.json', 'b.json')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unexpected argument "b.json"'),
    });
    expect(await run('a.json', '--out', '')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--out needs a file path'),
    });
  });

  test('unreadable or wrong input exits 1 and says which file and why', async () => {
    const dir = tempDir();
    expect(await run(join(dir, 'missing.json'))).toMatchObject({
      code: 1,
      err: `chainlab report: cannot read recording ${join(dir, 'missing.json')}: ENOENT\n`,
    });
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect((await run(join(dir, 'bad.json'))).err).toMatch(
      /^chainlab report: recording \S+bad\.json is not JSON: /,
    );
    writeFileSync(join(dir, 'v3.json'), JSON.stringify({ version: 3 }));
    expect((await run(join(dir, 'v3.json'))).err).toContain(
      'is not a chainlab recording: unsupported recording dump version 3 (allowed: 1, 2)',
    );
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ version: 2 }));
    expect((await run(join(dir, 'v2.json'))).err).toContain(
      'is not a chainlab recording: recording dump has no facts, nodes, blocks, samples',
    );
    expect((await run(dir)).err).toContain('is a directory; pass the recording.json inside it');
    copyFileSync(recorded, join(dir, 'recording.json'));
    writeFileSync(join(dir, 'report-meta.json'), JSON.stringify({ failures: 'none' }));
    const bad = await run(join(dir, 'recording.json'));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('failures: got "none", allowed: a list of { test?, matcher?, message');
    expect(existsSync(join(dir, 'recording.html'))).toBe(false);
  });
});
