import { parse, num, str } from '../args';
import { startWebServer } from '../../web/server';

export const usage = `structprune web [--port 8080] [--host 127.0.0.1] [--json]
  Serve the interactive teaching page: prune stories260K live in the browser (the library runs in the page,
  on WebAssembly; the server only sends files). Prints the URL (--json: {"url","port"}) and serves until
  interrupted (Ctrl-C). --port 0 picks a free port. Binding another host than a loopback address exposes
  the page to your network.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, host: { type: 'string' } });
  const web = await startWebServer({
    port: num(values, 'port', 8080, { min: 0, max: 65535, int: true }),
    host: str(values, 'host', '127.0.0.1'),
    dataDir: values['data-dir'] as string | undefined,
  });
  process.stdout.write(values.json ? JSON.stringify({ url: web.url, port: web.port }) + '\n' : `structprune web: open ${web.url}  (Ctrl-C stops the server)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void web.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
