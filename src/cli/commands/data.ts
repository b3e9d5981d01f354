import { parse } from '../args';
import { emit, cliIO } from '../output';
import { fetchData } from '../../data/fetch';
import { locateDataDir } from '../../data/datadir';
import { UsageError } from '../../errors';

export const usage = `structprune data fetch [--from URL_OR_DIR] [--ids a,b] [--force] [--data-dir DIR] [--json]
  Download the known data files (README: "Data directory") into the data directory and verify each sha256.
  --from takes a mirror base URL or a local folder with the same layout.
structprune data where [--data-dir DIR]
  Print the data directory in use and why.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { from: { type: 'string' }, ids: { type: 'string' }, force: { type: 'boolean', default: false } }, true);
  const sub = positionals[0];
  const dataDir = values['data-dir'] as string | undefined;
  if (sub === 'where') {
    const w = locateDataDir({ dataDir });
    emit(!!values.json, w, () => `${w.dir} (from ${w.source})`);
    return 0;
  }
  if (sub !== 'fetch' || positionals.length > 1) throw new UsageError(`unknown data subcommand "${positionals.join(' ')}"\n${usage}`);
  const results = await fetchData({
    dataDir,
    from: values.from as string | undefined,
    force: !!values.force,
    ids: values.ids ? (String(values.ids).split(',') as never) : undefined,
    onProgress: (p) => {
      if (!values.json && (p.phase === 'done' || p.phase === 'present' || p.phase === 'retry' || p.phase === 'failed'))
        cliIO.current.err(`${p.path}: ${p.phase}${p.message ? ` (${p.message})` : ''}\n`);
    },
  });
  emit(!!values.json, { dataDir: locateDataDir({ dataDir }).dir, files: results }, () =>
    results.map((r) => `${r.path}: ${r.status} (${r.bytes} bytes)`).join('\n'),
  );
  return 0;
}
