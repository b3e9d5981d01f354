// Argument parsing for the CLI on node:util parseArgs (strict: unknown options are usage errors).
import { parseArgs, ParseArgsConfig } from 'util';
import { UsageError } from '../errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpec = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/**
 * `--key -1` → `--key=-1` for string options whose value looks like a negative number: node's parseArgs
 * would call it "ambiguous"; the range check then names the option and the accepted values.
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function parse(argv: string[], options: OptionSpec, allowPositionals = false) {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    return parseArgs({ args: joinNegativeValues(argv, all), options: all, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A number option within [min, max] (integer when `int`). Undefined → `fallback`. */
export function num(values: Record<string, unknown>, key: string, fallback: number, o: { min?: number; max?: number; int?: boolean } = {}): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  return numValue(String(raw), `--${key}`, o);
}

/** Parse one number given as `label` (e.g. "--sparsity" or "--sparsities item 2"); empty text is refused. */
export function numValue(raw: string, label: string, o: { min?: number; max?: number; int?: boolean } = {}): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  const ok = Number.isFinite(v) && (o.int ? Number.isInteger(v) : true) && (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max);
  if (!ok) {
    const range = `${o.min ?? '-∞'}..${o.max ?? '∞'}`;
    throw new UsageError(`${label} must be ${o.int ? 'an integer' : 'a number'} in ${range}, got "${raw}"`);
  }
  return v;
}

/** A comma-separated list of numbers; an empty or bad item is named with its position. */
export function numList(values: Record<string, unknown>, key: string, fallback: string, o: { min?: number; max?: number; int?: boolean } = {}): number[] {
  const items = str(values, key, fallback).split(',');
  return items.map((x, i) => numValue(x, `--${key} item ${i + 1} of "${items.join(',')}"`, o));
}

/** `--max-windows N`: every command reads it the same way; 0 (or absent: `fallback`) means all windows. */
export function maxWindows(values: Record<string, unknown>, fallback?: number): number | undefined {
  const n = num(values, 'max-windows', fallback ?? 0, { min: 0, int: true });
  return n === 0 ? undefined : n;
}

/** Options that only apply to some values of another option: refused elsewhere instead of ignored. */
export function onlyWith(values: Record<string, unknown>, keys: readonly string[], when: boolean, what: string): void {
  const given = keys.filter((k) => values[k] !== undefined);
  if (!when && given.length > 0) throw new UsageError(`${given.map((k) => `--${k}`).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} only ${what}`);
}

/** A string option restricted to `choices`. */
export function choice<T extends string>(values: Record<string, unknown>, key: string, choices: readonly T[], fallback?: T): T {
  const raw = values[key];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${key} is required (${choices.join('|')})`);
    return fallback;
  }
  if (!choices.includes(raw as T)) throw new UsageError(`--${key} must be one of ${choices.join('|')}, got "${raw}"`);
  return raw as T;
}

export function str(values: Record<string, unknown>, key: string, fallback?: string): string {
  const raw = values[key];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${key} is required`);
    return fallback;
  }
  return String(raw);
}
