import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { UsageError } from '../../src/errors';
import { CORPUS_FILES, CORPUS_NAMES, CorpusName, corpusText, joinC4, joinPtb, joinWikitext, pyLines, pyStrip, wikitextRows } from '../../src/data/corpora';
import { DataFileError } from '../../src/data/datadir';
import { knownFile } from '../../src/data/registry';
import { REFERENCE_DATA, needsReferenceData } from '../referenceData';

const SHARED = REFERENCE_DATA;
const skip = needsReferenceData();
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-corpora-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Write synthetic content at a corpus's registry path inside a temp data directory. */
function place(dir: string, name: CorpusName, content: string): void {
  const file = path.join(dir, ...knownFile(CORPUS_FILES[name]).path.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

test('pyLines / pyStrip follow Python text-file iteration and str.strip()', () => {
  assert.deepEqual(pyLines('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(pyLines('a\nb'), ['a\n', 'b']);
  assert.deepEqual(pyLines('a\r\nb\rc\n'), ['a\n', 'b\n', 'c\n']);
  assert.deepEqual(pyLines(''), []);
  assert.deepEqual(pyLines('\n'), ['\n']);
  assert.equal(pyStrip(' \t\x1c a b \x85\u3000\n'), 'a b');
  assert.equal(pyStrip('\ufeffx '), '\ufeffx', 'Python does not strip a BOM');
});

test('WikiText join: rows keep their newline, blank and whitespace-only lines become ""', () => {
  const raw = ' \n = Title = \n \n Body one .\n\t\nlast';
  assert.deepEqual(wikitextRows(raw), ['', ' = Title = \n', '', ' Body one .\n', '', 'last']);
  assert.equal(joinWikitext(raw), '\n\n = Title = \n\n\n\n\n Body one .\n\n\n\n\nlast');
  assert.equal(joinWikitext('x\n'), 'x\n', 'no empty row after the final newline');
});

test('PTB join: stripped lines joined by one space, empty lines kept as ""', () => {
  assert.equal(joinPtb(' a b \n c  d \n'), 'a b c  d');
  assert.equal(joinPtb(' a \n\n b \n'), 'a  b');
});

test('C4 join: text fields joined by a blank line; blank lines skipped; bad lines named', () => {
  const raw = '{"text":"one\\ntwo","url":"u"}\n\n{"text":"three","timestamp":"t"}\n';
  assert.equal(joinC4(raw), 'one\ntwo\n\nthree');
  assert.throws(() => joinC4('{"text":"a"}\n{oops\n', 'f.jsonl'), /f\.jsonl: line 2 is not valid JSON/);
  assert.throws(() => joinC4('{"url":"a"}\n', 'f.jsonl'), /line 1 has no string "text" field/);
});

test('corpusText reads synthetic files from a temp data dir with verify: false, and verifies by default', async () => {
  const dir = path.join(tmp, 'synthetic');
  place(dir, 'tinystories-val', 'Once.\n\nTwice.\n');
  place(dir, 'tinystories-train', 'Train story.\n');
  place(dir, 'wikitext2', ' \n = A = \n');
  place(dir, 'ptb', ' x y \n z \n');
  place(dir, 'c4', '{"text":"c"}\n{"text":"d"}\n');
  const want: Record<CorpusName, string> = {
    'tinystories-val': 'Once.\n\nTwice.\n',
    'tinystories-train': 'Train story.\n',
    wikitext2: '\n\n = A = \n',
    ptb: 'x y z',
    c4: 'c\n\nd',
  };
  for (const name of CORPUS_NAMES) assert.equal(await corpusText(name, { dataDir: dir, verify: false }), want[name], name);
  await assert.rejects(corpusText('ptb', { dataDir: dir }), (e: unknown) => e instanceof DataFileError && e.kind === 'checksum');
  await assert.rejects(corpusText('nope' as CorpusName, { dataDir: dir }), UsageError);
  place(dir, 'ptb', '');
  writeFileSync(path.join(dir, 'ptb', 'ptb.test.txt'), Buffer.from([0x61, 0xff, 0x0a]));
  await assert.rejects(corpusText('ptb', { dataDir: dir, verify: false }), /not valid UTF-8/);
});

test('real corpora: WikiText-2 has 4,358 rows and the expected start; PTB, C4, TinyStories as documented', { skip }, async () => {
  const raw = readFileSync(path.join(SHARED, 'wikitext-2-raw', 'wiki.test.raw'), 'utf8');
  assert.equal(wikitextRows(raw).length, 4358);
  const wiki = await corpusText('wikitext2', { dataDir: SHARED });
  assert.ok(
    wiki.startsWith('\n\n = Robert Boulter = \n\n\n\n\n Robert Boulter is an English film , television and theatre actor .'),
    JSON.stringify(wiki.slice(0, 80)),
  );
  const ptb = await corpusText('ptb', { dataDir: SHARED });
  assert.ok(ptb.startsWith("no it was n't black monday but while the new york stock exchange"));
  assert.equal(ptb.split(' ').filter((w) => w === '').length, 0, 'the PTB test file has no empty lines');
  const c4 = await corpusText('c4', { dataDir: SHARED });
  assert.ok(c4.startsWith('Beginners BBQ Class Taking Place in Missoula!\nDo you want'));
  const ts = await corpusText('tinystories-val', { dataDir: SHARED });
  assert.equal(ts, readFileSync(path.join(SHARED, 'tinystories', 'tinystories_validation_head.txt'), 'utf8'));
});
