// A progress bar on stderr (a TTY redraws one line; anything else gets one line per step), so stdout stays
// clean for --json.
export interface Progress {
  tick(label: string): void;
  done(): void;
}

export function progressBar(total: number, title: string, o: { quiet?: boolean } = {}): Progress {
  const tty = process.stderr.isTTY;
  let n = 0;
  const width = 24;
  return {
    tick(label) {
      n++;
      if (o.quiet) return;
      const filled = Math.round((n / Math.max(1, total)) * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const line = `${title} [${bar}] ${n}/${total} ${label}`;
      if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      else process.stderr.write(`${line}\n`);
    },
    done() {
      if (tty && !o.quiet) process.stderr.write('\n');
    },
  };
}
