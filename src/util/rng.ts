// Seeded random numbers for every random choice in the project (calibration windows, seeded tiny
// checkpoints, random weights): xoroshiro128+ from `pure-rand`, wrapped in a small object whose only state
// is its own generator (no module globals). Same seed ⇒ same sequence, on every platform.
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { RandomGenerator } from 'pure-rand';

/** A seeded generator. Methods advance its internal state; `clone()` forks an identical copy. */
export interface Rng {
  /** The seed it was created with. */
  readonly seed: number;
  /** Uniform integer in [lo, hi], both inclusive (safe integers, lo ≤ hi). */
  int(lo: number, hi: number): number;
  /** Uniform float in [0, 1) with 53 random bits (two 32-bit draws). */
  float(): number;
  /** Standard normal N(0, 1) by Box–Muller; values come in pairs, the second is kept for the next call. */
  normal(): number;
  /** Fill `out` with N(0, std²) samples (std default 1) and return it. */
  fillNormal(out: Float32Array, std?: number): Float32Array;
  /** An independent copy in the same state (drawing from one does not move the other). */
  clone(): Rng;
  /** Inspectable state: the generator words and the pending Box–Muller value. */
  state(): { seed: number; generator: readonly number[]; spareNormal: number | null };
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * Fold any safe integer into the 32-bit seed xoroshiro128plus takes: seeds in [0, 2^32) map to
 * themselves (as `seed | 0`); larger ones mix their high word in instead of being truncated.
 */
function seedWord(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32);
  return (lo ^ Math.imul(hi | 0, 0x9e3779b1)) | 0;
}

function make(seed: number, gen: RandomGenerator, spare: number | null): Rng {
  let spareNormal = spare;
  const u32 = (): number => gen.unsafeNext() >>> 0;
  const float = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / TWO_POW_53;
  const normal = (): number => {
    if (spareNormal !== null) {
      const z = spareNormal;
      spareNormal = null;
      return z;
    }
    const u1 = 1 - float(); // (0, 1]: log is finite
    const u2 = float();
    const r = Math.sqrt(-2 * Math.log(u1));
    spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return {
    seed,
    int(lo: number, hi: number): number {
      if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
        throw new RangeError(`rng.int(lo, hi) needs safe integers with lo <= hi; got lo=${lo}, hi=${hi}.`);
      }
      return unsafeUniformIntDistribution(lo, hi, gen);
    },
    float,
    normal,
    fillNormal(out: Float32Array, std = 1): Float32Array {
      for (let i = 0; i < out.length; i++) out[i] = std * normal();
      return out;
    },
    clone(): Rng {
      return make(seed, gen.clone(), spareNormal);
    },
    state() {
      return { seed, generator: gen.getState?.() ?? [], spareNormal };
    },
  };
}

/** A generator seeded with `seed` (any safe integer, e.g. the `--seed` option). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`Seed must be a safe integer; got ${seed}.`);
  return make(seed, xoroshiro128plus(seedWord(seed)), null);
}
