import cliProgress from 'cli-progress';
import { scrub } from './output.js';

export interface ProgressCounts {
  total: number;
  done: number;
  failed: number;
}

/** Progress of a long pass: a bar redrawn in place on a terminal, plain lines otherwise (logs, pipes, CI). */
export interface Progress {
  update(counts: ProgressCounts): void;
  /** Removes nothing: the bar's last state stays on screen, and the caller prints the summary after it. */
  stop(): void;
}

const PLAIN_INTERVAL_MS = 2_000;

/** Progress on stderr, so that stdout carries only results. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? barProgress(label, total, stream) : plainProgress(label, total, stream);
}

function barProgress(label: string, total: number, stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | failed {failed} | eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0, failed: 0 });
  return {
    update(counts) {
      bar.update(counts.done, { rate: rate(counts.done, started), failed: counts.failed });
    },
    stop() {
      bar.stop();
    },
  };
}

function plainProgress(label: string, total: number, stream: NodeJS.WriteStream): Progress {
  const started = performance.now();
  let last = started;
  let lastDone = -1;
  const line = (counts: ProgressCounts) => {
    const percent = total === 0 ? 100 : Math.floor((counts.done / total) * 100);
    stream.write(scrub(`${label}: ${counts.done}/${total} (${percent}%), ${rate(counts.done, started)}/s, failed ${counts.failed}\n`));
    lastDone = counts.done;
  };
  let latest: ProgressCounts = { total, done: 0, failed: 0 };
  return {
    update(counts) {
      latest = counts;
      const now = performance.now();
      if (now - last >= PLAIN_INTERVAL_MS) {
        last = now;
        line(counts);
      }
    },
    stop() {
      if (latest.done !== lastDone && latest.done > 0) line(latest);
    },
  };
}

function rate(done: number, started: number): number {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? Math.round(done / seconds) : 0;
}
