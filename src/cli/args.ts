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

export function parse(argv: string[], options: OptionSpec, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A number option within [min, max] (integer when `int`). Undefined → `fallback`. */
export function num(values: Record<string, unknown>, key: string, fallback: number, o: { min?: number; max?: number; int?: boolean } = {}): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const ok = Number.isFinite(v) && (o.int ? Number.isInteger(v) : true) && (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max);
  if (!ok) {
    const range = `${o.min ?? '-∞'}..${o.max ?? '∞'}`;
    throw new UsageError(`--${key} must be ${o.int ? 'an integer' : 'a number'} in ${range}, got "${raw}"`);
  }
  return v;
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
