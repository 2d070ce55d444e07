/** Where the bar is drawn: a terminal's stderr. */
export interface ProgressTerminal {
  write(text: string): void;
  columns: number;
}

/** Redraws at most this often, milliseconds. */
const INTERVAL_MS = 100;

/**
 * A one-line progress bar on a terminal (`\r`-redrawn, cleared at the end). The caller passes it
 * only when stderr is a TTY, so pipes and CI logs stay quiet. `now` reads the clock (injected).
 */
export function createProgressBar(terminal: ProgressTerminal, now: () => number) {
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      const time = now();
      if (time - last < INTERVAL_MS && done < total) return;
      last = time;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const label = ` ${Math.floor(ratio * 100)}% ${(done / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`;
      const width = Math.max(10, Math.min(40, terminal.columns - label.length - 12));
      const filled = Math.round(ratio * width);
      terminal.write(`\rscanning [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${label}`);
      drawn = true;
    },
    finish(): void {
      if (drawn) terminal.write(`\r${' '.repeat(Math.max(0, terminal.columns - 1))}\r`);
    },
  };
}
