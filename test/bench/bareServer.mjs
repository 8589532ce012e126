// Benchmark ceiling: a bare node:http server that answers with the benchmark's handler in-process — no routing
// table, no sandbox, no process hop. Prints its URL on stdout once listening.
import { createServer } from 'node:http';

const handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'hello ' + event.name });

const server = createServer(async (request, response) => {
  const result = await handler({ name: request.url.split('/').pop() });
  response.writeHead(result.statusCode, result.headers);
  response.end(result.body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
