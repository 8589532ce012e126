// Benchmark load generator: autocannon in its own process, so it shares no event loop with the server it loads.
// Prints one JSON line: the result, and the CPU this process spent generating the load.
import autocannon from 'autocannon';

const [url, connections, seconds] = process.argv.slice(2);
const before = process.cpuUsage();
const result = await autocannon({ url, connections: Number(connections), duration: Number(seconds) });
const cpu = process.cpuUsage(before);
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }) + '\n',
);
