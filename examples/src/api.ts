// HTTP API: greets by name and accepts orders. Set a breakpoint on a line below and press F5.
import type { Context, HttpEvent, HttpResult } from './types';

interface Order {
  item: string;
  quantity: number;
}

function json(statusCode: number, value: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function parseOrder(body: string | undefined): Order | string {
  if (!body) return 'the request has no body; send {"item": "...", "quantity": 1}';
  let value: Partial<Order>;
  try {
    value = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof value.item !== 'string' || !value.item) return '"item" must be a non-empty string';
  if (!Number.isInteger(value.quantity) || (value.quantity as number) < 1) return '"quantity" must be a positive integer';
  return { item: value.item, quantity: value.quantity as number };
}

export async function handler(event: HttpEvent, context: Context): Promise<HttpResult> {
  if (event.routeKey === 'POST /orders') {
    const order = parseOrder(event.body);
    if (typeof order === 'string') return json(400, { error: order });
    console.log(`order accepted: ${order.quantity} x ${order.item}`);
    return json(201, { orderId: context.awsRequestId, ...order });
  }
  const name = event.pathParameters?.name ?? 'world';
  const greeting = `Hello, ${name}!`;
  console.log(greeting);
  return json(200, { greeting, requestId: context.awsRequestId });
}
