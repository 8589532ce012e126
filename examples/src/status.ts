// A web-standard handler: fetch(Request) => Response, as on Workers/Deno/Bun.
const startedAt = Date.now();

export async function fetch(request: Request): Promise<Response> {
  const url = new URL(request.url);
  return Response.json({
    status: 'ok',
    path: url.pathname,
    uptimeMs: Date.now() - startedAt,
  });
}
