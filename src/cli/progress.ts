// A progress line on stderr when it is a terminal (silent otherwise, and with --json).
import { cliIO } from './output';

export interface Progress {
  update(label: string, done: number, total: number): void;
  done(): void;
}

export function progress(enabled: boolean): Progress {
  const tty = enabled && cliIO.current.errIsTTY;
  let last = 0;
  let shown = false;
  const t0 = Date.now();
  return {
    update(label, done, total) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 28;
      const f = total > 0 ? Math.min(1, done / total) : 0;
      const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '·');
      const el = (now - t0) / 1000;
      const eta = f > 0 ? (el / f - el).toFixed(0) : '?';
      cliIO.current.err(`\r${label.padEnd(12)} ${bar} ${done}/${total}  ${el.toFixed(0)}s elapsed, ~${eta}s left   `);
      shown = true;
    },
    done() {
      if (shown) cliIO.current.err('\n');
      shown = false;
    },
  };
}
