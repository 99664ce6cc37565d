/**
 * Option validation at the boundary: a zod schema checks the input, and every problem is
 * collected into one `ConfigError` naming the option path, the bad value and what is
 * allowed — before anything starts.
 */
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.ts';

/** Human text of what each option path allows, e.g. `{ validators: 'an integer 1..16' }`. */
export type AllowedText = Readonly<Record<string, string>>;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)));
  const joined = parts.reduce((acc, p) => (p.startsWith('[') || acc === '' ? acc + p : `${acc}.${p}`), '');
  if (prefix === '') return joined === '' ? '(options)' : joined;
  return joined === '' ? prefix : joined.startsWith('[') ? prefix + joined : `${prefix}.${joined}`;
}

/** Strips array indexes so `bugs[2]` finds the text given for `bugs`. */
function lookupAllowed(allowed: AllowedText, path: readonly PropertyKey[]): string | undefined {
  const full = path.map(String).join('.');
  if (allowed[full] !== undefined) return allowed[full];
  const withoutIndexes = path
    .filter((p) => typeof p !== 'number')
    .map(String)
    .join('.');
  return allowed[withoutIndexes];
}

/** Turns zod issues into ConfigIssues; `unrecognized_keys` becomes one issue per key. */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  allowed: AllowedText,
  prefix = '',
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (i: ConfigIssue): void => {
    // zod may report several failed checks for one value; one line per option reads better.
    if (seen.has(i.path)) return;
    seen.add(i.path);
    out.push(i);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = lookupAllowed(allowed, [...issue.path, '*']);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        push({
          path: joinPath(prefix, path),
          value: valueAt(input, path),
          allowed: known ?? 'no such option (check the spelling)',
        });
      }
      continue;
    }
    push({
      path: joinPath(prefix, issue.path),
      value: valueAt(input, issue.path),
      allowed: lookupAllowed(allowed, issue.path) ?? issue.message,
    });
  }
  return out;
}

/**
 * Parses `input` with `schema`; on failure throws one `ConfigError` listing every problem.
 * `subject` names what was validated (`cluster options`), `prefix` is put before paths.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  allowed: AllowedText,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(subject, toConfigIssues(result.error.issues, input, allowed, prefix));
}

/** Throws one `ConfigError` if `issues` is non-empty (for checks across fields). */
export function throwIfIssues(subject: string, issues: readonly ConfigIssue[]): void {
  if (issues.length > 0) throw new ConfigError(subject, issues);
}
