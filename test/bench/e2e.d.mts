// Types of e2e.mjs for the TypeScript bench runner (run.ts).
import type { BenchRow } from './stats';

export function benchE2E(options?: { runs?: number; only?: string[]; log?: (line: string) => void }): Promise<BenchRow[]>;
