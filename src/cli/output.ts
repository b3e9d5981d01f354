// Result output: one JSON line with --json, readable lines otherwise. Every CLI write goes through `cliIO`,
// which main(argv, io) points elsewhere for the duration of one call (tests run the CLI in-process).

/** Where the CLI writes: results to `out`, messages and progress to `err`. */
export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  /** Whether `err` is a terminal (progress bars and live ADMM lines only then). */
  errIsTTY: boolean;
}

export const PROCESS_IO: CliIO = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  get errIsTTY() {
    return !!process.stderr.isTTY;
  },
};

/** The sink in use (set by main for one call). */
export const cliIO: { current: CliIO } = { current: PROCESS_IO };

export function emit(json: boolean, value: unknown, human: () => string): void {
  cliIO.current.out((json ? JSON.stringify(value) : human()) + '\n');
}

/** A plain-text table (columns padded to their widest cell). */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(cells[0]), w.map((x) => '-'.repeat(x)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
