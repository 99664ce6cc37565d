import { UsageError } from '../errors.ts';

/** How one command-line flag is parsed. */
export interface FlagSpec {
  /** Without the leading dashes, e.g. `slot-ms`. */
  name: string;
  type: 'string' | 'int' | 'number' | 'list' | 'repeat' | 'boolean';
  help: string;
  required?: boolean;
  min?: number;
  max?: number;
  /** Shown in help; the parser itself does not fill defaults. */
  default?: string;
  /** Extra check returning a problem description, or undefined when fine. */
  check?: (value: string) => string | undefined;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** Renders `--help` text for a command. */
export function renderHelp(usage: string, description: string, specs: FlagSpec[]): string {
  const lines = [`usage: ${usage}`, '', description, '', 'flags:'];
  for (const spec of specs) {
    const value = spec.type === 'boolean' ? '' : spec.type === 'list' ? ' A,B,…' : ' VALUE';
    const extras = [
      spec.required ? 'required' : undefined,
      spec.default !== undefined ? `default ${spec.default}` : undefined,
      spec.type === 'repeat' ? 'repeatable' : undefined,
    ].filter(Boolean);
    // Extras go after the first line of a multi-line help (e.g. a list of allowed values).
    const [first, ...rest] = spec.help.split('\n');
    lines.push(
      `  --${spec.name}${value}`.padEnd(30) + first + (extras.length ? ` (${extras.join(', ')})` : ''),
      ...rest,
    );
  }
  lines.push(`  --help`.padEnd(30) + 'show this help');
  return lines.join('\n');
}

/**
 * Parses `--flag value` / `--flag=value` arguments against `specs`. Collects every problem
 * (unknown flags, missing values, values out of range) into one UsageError naming each flag.
 */
export function parseFlags(args: string[], specs: FlagSpec[]): FlagValues {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values: FlagValues = {};
  const problems: string[] = [];
  const badFlags: string[] = [];
  const fail = (flag: string, problem: string) => {
    problems.push(problem);
    badFlags.push(flag);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      fail(arg, `unexpected argument ${JSON.stringify(arg)}: every value follows a --flag`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (spec === undefined) {
      fail(
        `--${name}`,
        `unknown flag --${name}; allowed: ${specs.map((s) => `--${s.name}`).join(', ')}, --help`,
      );
      continue;
    }
    if (spec.type === 'boolean') {
      values[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = args[i + 1];
      if (raw === undefined || raw.startsWith('--')) raw = undefined;
      else i++;
    }
    if (raw === undefined) {
      fail(`--${name}`, `--${name} needs a value: ${spec.help}`);
      continue;
    }
    const problem = checkValue(spec, raw);
    if (problem !== undefined) {
      fail(`--${name}`, problem);
      continue;
    }
    if (spec.type === 'int' || spec.type === 'number') values[name] = Number(raw);
    else if (spec.type === 'list') values[name] = raw === '' ? [] : raw.split(',').map((part) => part.trim());
    else if (spec.type === 'repeat') values[name] = [...((values[name] as string[] | undefined) ?? []), raw];
    else values[name] = raw;
  }
  for (const spec of specs) {
    if (spec.required && values[spec.name] === undefined && !badFlags.includes(`--${spec.name}`)) {
      fail(`--${spec.name}`, `missing required flag --${spec.name}: ${spec.help}`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'), badFlags);
  return values;
}

function checkValue(spec: FlagSpec, raw: string): string | undefined {
  const range =
    spec.min !== undefined && spec.max !== undefined
      ? `${spec.min}..${spec.max}`
      : spec.min !== undefined
        ? `≥ ${spec.min}`
        : spec.max !== undefined
          ? `≤ ${spec.max}`
          : 'any';
  if (spec.type === 'int' || spec.type === 'number') {
    const value = Number(raw);
    const isInt = spec.type === 'int';
    if (raw.trim() === '' || !Number.isFinite(value) || (isInt && !Number.isSafeInteger(value))) {
      return `--${spec.name} must be ${isInt ? 'an integer' : 'a number'} (${range}), got ${JSON.stringify(raw)}`;
    }
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      return `--${spec.name} must be in ${range}, got ${raw}`;
    }
  }
  const custom = spec.check?.(raw);
  return custom === undefined ? undefined : `--${spec.name} ${custom}, got ${JSON.stringify(raw)}`;
}
