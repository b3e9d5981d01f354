// Model families for the memory-scaling experiment (METHOD.md §7), built with seeded random weights
// (fixtureModel): memory does not depend on the values.
//
// `llama`, `opt` — the paper's premise: depth grows in proportion to the parameters per layer. With width d,
//   a block holds ≈ 12d² parameters (OPT; LLaMA ≈ 4d² + 3d·dFF) and L = d²/1024 blocks, so N ≈ 12 d⁴/1024,
//   per-layer size ∝ d² ∝ √N. Widths 64, 96, 128, 160, 192 (+ 224, 256) → L = 4, 9, 16, 25, 36 (+ 49, 64);
//   the first five span ≈ 80× in N. Heads of 16 dims.
// `opt-real` — the real OPT shapes (125M, 350M, 1.3B, 2.7B, 6.7B, 13B, 30B, 66B) scaled down: width / 64,
//   heads / 4 (head dims 4–8 instead of 64–128), the real depth (12 … 64 blocks), dFF = 4d. Across these,
//   per-layer parameters grow like N^0.76 (not √N): depth grows more slowly than width². OPT-350M's 512-wide
//   embedding projection and post-norm blocks are not reproduced (a plain pre-norm block of its width).
// Every family uses a 64-token vocabulary and a context of max(16, seqlen) so that embeddings stay a
// negligible share of N (the premise is about blocks).
import { Arch, ModelConfig } from '../model/config';
import { Model } from '../model/model';
import { fixtureModel } from '../model/fixture';

/** The families of the experiment (see the file header). */
export const FAMILY_NAMES = ['llama', 'opt', 'opt-real'] as const;
/** One of FAMILY_NAMES. */
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** One member of a family: everything fixtureModel needs except the seed. */
export interface FamilyMember {
  family: FamilyName;
  /** e.g. `opt-d128-L16` or `OPT-13B/64`. */
  label: string;
  arch: Arch;
  layers: number;
  dModel: number;
  nHeads: number;
  dFF: number;
  vocabSize: number;
  maxSeq: number;
}

/** Widths of the premise families; the default experiment takes the first five. */
export const PREMISE_WIDTHS: readonly number[] = [64, 96, 128, 160, 192, 224, 256];

/** L = d² / PREMISE_DEPTH_DIVISOR (an integer for every width above). */
export const PREMISE_DEPTH_DIVISOR = 1024;

/** Real OPT shapes (HF config.json): [name, hidden, layers, heads]. */
export const OPT_SHAPES: readonly [string, number, number, number][] = [
  ['OPT-125M', 768, 12, 12],
  ['OPT-350M', 1024, 24, 16],
  ['OPT-1.3B', 2048, 24, 32],
  ['OPT-2.7B', 2560, 32, 32],
  ['OPT-6.7B', 4096, 32, 32],
  ['OPT-13B', 5120, 40, 40],
  ['OPT-30B', 7168, 48, 56],
  ['OPT-66B', 9216, 64, 72],
];

/** LLaMA FFN width of fixtureModel's default: 8d/3 rounded up to a multiple of 8. */
function llamaFF(d: number): number {
  return 8 * Math.ceil((8 * d) / 3 / 8);
}

/** Options of {@link familyMembers}. */
export interface FamilyOptions {
  /** How many members, smallest first (default: 5 for llama/opt, all 8 for opt-real). */
  sizes?: number;
  /** Tokens per calibration window; sets the context length max(16, seqlen) (default 16). */
  seqlen?: number;
}

/** The members of a family, smallest first. */
export function familyMembers(family: FamilyName, opts: FamilyOptions = {}): FamilyMember[] {
  if (!FAMILY_NAMES.includes(family)) throw new RangeError(`family must be one of ${FAMILY_NAMES.join('|')}, got "${family}"`);
  const maxSeq = Math.max(16, opts.seqlen ?? 16);
  const vocabSize = 64;
  let all: FamilyMember[];
  if (family === 'opt-real') {
    all = OPT_SHAPES.map(([name, hidden, layers, heads]) => {
      const d = hidden / 64;
      return { family, label: `${name}/64`, arch: 'opt', layers, dModel: d, nHeads: heads / 4, dFF: 4 * d, vocabSize, maxSeq };
    });
  } else {
    all = PREMISE_WIDTHS.map((d) => ({
      family,
      label: `${family}-d${d}-L${(d * d) / PREMISE_DEPTH_DIVISOR}`,
      arch: family,
      layers: (d * d) / PREMISE_DEPTH_DIVISOR,
      dModel: d,
      nHeads: d / 16,
      dFF: family === 'opt' ? 4 * d : llamaFF(d),
      vocabSize,
      maxSeq,
    }));
  }
  const n = opts.sizes ?? (family === 'opt-real' ? all.length : 5);
  if (!Number.isInteger(n) || n < 2 || n > all.length) throw new RangeError(`sizes must be an integer in [2, ${all.length}] for family ${family}, got ${n}`);
  return all.slice(0, n);
}

/** The member with seeded N(0, 0.02²) weights. */
export function familyModel(member: FamilyMember, seed: number): Model {
  return fixtureModel({
    arch: member.arch,
    layers: member.layers,
    dModel: member.dModel,
    nHeads: member.nHeads,
    dFF: member.dFF,
    vocabSize: member.vocabSize,
    maxSeq: member.maxSeq,
    seed,
  });
}

/** The member's configuration without building its weights (one block is generated to reuse fixtureModel's config rules). */
export function familyConfig(member: FamilyMember): ModelConfig {
  return { ...familyModel({ ...member, layers: 1 }, 0).config, nLayers: member.layers };
}
