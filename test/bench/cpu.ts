// Benchmarks: the CPU time a server process and what it started (instances, bubblewrap) spent, read from /proc, so a
// throughput row can say what one request costs and where. Linux only; elsewhere there is nothing to read.

import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU (user + system) spent so far. */
export interface TreeCpu {
  /** The process's main thread: its event loop. */
  mainThreadMs: number;
  /** The process, all its threads (the event loop, workers, libuv's pool). */
  processMs: number;
  /** Its live descendants. */
  descendantsMs: number;
}

const ticksPerSecond = 100;

/** utime + stime of a /proc stat line, in ms (the command name may hold spaces, so fields count from its ')'). */
function statCpuMs(file: string): number | undefined {
  try {
    const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed) children.push(...listed.split(' ').map(Number));
    }
  } catch {
    // Gone meanwhile: it has no children to count.
  }
  return children;
}

/** undefined where /proc cannot be read (not Linux, or the process is gone). */
export function treeCpu(pid: number): TreeCpu | undefined {
  const mainThreadMs = statCpuMs(`/proc/${pid}/task/${pid}/stat`);
  const processMs = statCpuMs(`/proc/${pid}/stat`);
  if (mainThreadMs === undefined || processMs === undefined) return undefined;
  let descendantsMs = 0;
  const pending = childrenOf(pid);
  while (pending.length) {
    const child = pending.pop()!;
    descendantsMs += statCpuMs(`/proc/${child}/stat`) ?? 0;
    pending.push(...childrenOf(child));
  }
  return { mainThreadMs, processMs, descendantsMs };
}

/** Microseconds of CPU per request between two readings. */
export interface CpuPerRequest {
  mainThreadUs: number;
  processUs: number;
  descendantsUs: number;
}

export function cpuPerRequest(before: TreeCpu, after: TreeCpu, requests: number): CpuPerRequest {
  const per = (key: keyof TreeCpu) => ((after[key] - before[key]) * 1000) / requests;
  return { mainThreadUs: per('mainThreadMs'), processUs: per('processMs'), descendantsUs: per('descendantsMs') };
}
