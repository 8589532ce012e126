// Benchmarks: percentiles, timing and the table every benchmark prints.

export interface BenchRow {
  name: string;
  p50Ms?: number;
  p99Ms?: number;
  opsPerSecond?: number;
  note?: string;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export async function sample(runs: number, once: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}

export function latencyRow(name: string, times: number[], note?: string): BenchRow {
  return { name, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), note };
}

/** Runs `total` calls with `concurrency` in flight; returns calls per second. */
export async function throughput(total: number, concurrency: number, once: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await once();
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

function cell(value: number | undefined, digits: number): string {
  if (value === undefined) return '';
  // Sub-0.1 ms latencies keep two significant digits instead of rounding to 0.00.
  return value !== 0 && Math.abs(value) < 0.1 ? value.toPrecision(2) : value.toFixed(digits);
}

/** A Markdown table (it reads fine in a terminal and pastes into the README). */
export function formatTable(title: string, rows: BenchRow[]): string {
  const header = ['', 'p50 ms', 'p99 ms', 'ops/s', 'note'];
  const body = rows.map((row) => [row.name, cell(row.p50Ms, 2), cell(row.p99Ms, 2), cell(row.opsPerSecond, 0), row.note ?? '']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...body.map((line) => line[column].length)));
  const line = (cells: string[]) => '| ' + cells.map((text, column) => text.padEnd(widths[column])).join(' | ') + ' |';
  return [`### ${title}`, '', line(header), '| ' + widths.map((width) => '-'.repeat(width)).join(' | ') + ' |', ...body.map(line), ''].join('\n');
}
