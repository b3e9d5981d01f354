// Evaluation and calibration texts, built exactly as METHOD.md §7 says. The joins mirror what the pruning
// literature (SparseGPT/Wanda datautils, on HF `datasets`) feeds its tokenizers, including the rows the
// HF loaders produce from the raw files:
//
// - 'tinystories-val' / 'tinystories-train': the file's text as is (UTF-8), one stream.
// - 'wikitext2': "\n\n".join(rows), one row per line of wiki.test.raw as Python iterates a text file:
//   each line keeps its "\n" (so the trailing empty string after the final newline is not a row; a last
//   line without newline is a row without one), and a line that is blank — empty or whitespace-only per
//   Python's str.strip(), e.g. the " \n" lines of WikiText — becomes "" (as HF's wikitext builder does:
//   `row if row.strip() else ""`). The real test file gives 4,358 rows.
// - 'ptb': " ".join(line.strip()) over the lines of ptb.test.txt (HF `ptb_text_only` sentences). Empty
//   lines are kept as "" (so they show up as a doubled space), as the HF builder keeps them; the real test
//   file has none. The trailing empty string after the final newline is not a line.
// - 'c4': the `text` field of every JSON line joined with "\n\n"; blank lines are skipped. This one shard
//   head serves both as OPT's calibration text and, lacking a C4 validation shard here, as the text of
//   `eval --dataset c4` (so C4 perplexities here are on training documents: not comparable to the papers').
// Line endings "\r\n" and "\r" are read as "\n" (Python's universal newlines); the shipped files have none.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { DataFileOptions, dataFile } from './datadir';
import { DataFileId } from './registry';

/** The corpus names accepted by corpusText. */
export const CORPUS_NAMES = ['tinystories-val', 'tinystories-train', 'wikitext2', 'ptb', 'c4'] as const;

/** One of CORPUS_NAMES. */
export type CorpusName = (typeof CORPUS_NAMES)[number];

/** The registry file each corpus is read from. */
export const CORPUS_FILES: Readonly<Record<CorpusName, DataFileId>> = Object.freeze({
  'tinystories-val': 'tinystories-val',
  'tinystories-train': 'tinystories-train',
  wikitext2: 'wikitext2-test',
  ptb: 'ptb-test',
  c4: 'c4-train',
});

/** Options of corpusText: where the data directory is, and `verify: false` to read synthetic test files. */
export type CorpusOptions = DataFileOptions;

// Python's str.isspace() set (what str.strip() removes), which differs from JS trim() at the edges.
const PY_SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/** Python's `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/** Lines as Python iterates a text-mode file: each keeps its "\n"; no empty tail after a final newline. */
export function pyLines(text: string): string[] {
  const t = text.replace(/\r\n?/g, '\n');
  const parts = t.split('\n');
  const lines = parts.map((p, i) => (i < parts.length - 1 ? p + '\n' : p));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** WikiText rows (see the file header): non-blank lines with their "\n", blank ones as "". */
export function wikitextRows(raw: string): string[] {
  return pyLines(raw).map((line) => (pyStrip(line) === '' ? '' : line));
}

/** METHOD §7 WikiText-2: "\n\n".join(rows). */
export function joinWikitext(raw: string): string {
  return wikitextRows(raw).join('\n\n');
}

/** METHOD §7 PTB: " ".join(stripped lines), empty lines kept as "". */
export function joinPtb(raw: string): string {
  return pyLines(raw).map(pyStrip).join(' ');
}

/** C4: the `text` fields of the JSON lines joined with "\n\n" (`label` names the source in errors). */
export function joinC4(raw: string, label = 'c4 jsonl'): string {
  const texts: string[] = [];
  pyLines(raw).forEach((line, i) => {
    if (pyStrip(line) === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (err) {
      throw new Error(`${label}: line ${i + 1} is not valid JSON (${(err as Error).message}).`);
    }
    const text = (doc as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new Error(`${label}: line ${i + 1} has no string "text" field.`);
    texts.push(text);
  });
  return texts.join('\n\n');
}

/**
 * The text of a corpus, joined as METHOD.md §7 says (see the file header for each rule). The file is
 * read from the data directory through dataFile (size + sha256 verified unless `verify: false`, which
 * tests use on synthetic files placed at the registry paths of a temporary data directory).
 * Invalid UTF-8 is an error naming the file.
 */
export async function corpusText(name: CorpusName, opts: CorpusOptions = {}): Promise<string> {
  if (!(CORPUS_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`Unknown corpus '${name}'. Known: ${CORPUS_NAMES.join(', ')}.`);
  }
  const file = await dataFile(CORPUS_FILES[name], opts);
  let raw: string;
  try {
    raw = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`Corpus file not found: ${file}.`);
    throw new Error(`Corpus file ${file} is not valid UTF-8 text: ${(err as Error).message}`);
  }
  switch (name) {
    case 'tinystories-val':
    case 'tinystories-train':
      return raw;
    case 'wikitext2':
      return joinWikitext(raw);
    case 'ptb':
      return joinPtb(raw);
    case 'c4':
      return joinC4(raw, file);
  }
}
