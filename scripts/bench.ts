// `npm run bench [-- --baseline] [-- --only a,b]`: the same measurements as `structprune bench`, printed as a
// table (`--json`: one JSON line per measurement). Speed numbers only, never asserted; times vary ±30 % on
// shared machines — compare records of one run (`--baseline` interleaves today's fallback paths, with ratios).
import * as os from 'os';
import { initBackend, backendInfo } from '../src/backend';
import { run } from '../src/cli/commands/bench';

async function main(): Promise<void> {
  await initBackend();
  const info = backendInfo();
  if (!process.argv.includes('--json')) {
    console.log(
      `backend ${info.name} (${info.provider}), BLAS ${info.blas.active}${info.blas.corename ? ` (${info.blas.corename}, ${info.blas.threads} threads)` : ''}, ` +
        `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}, ${new Date().toISOString()}`,
    );
  }
  process.exitCode = await run(process.argv.slice(2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
