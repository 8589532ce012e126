// Queue consumer: processes a batch of order messages; a malformed message fails the batch so it is retried.
import type { QueueEvent } from './types';

export async function handler(event: QueueEvent): Promise<{ processed: number; total: number }> {
  let total = 0;
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as { item: string; quantity: number; price?: number };
    if (!order.item) throw new Error(`message ${record.messageId} has no item`);
    total += order.quantity * (order.price ?? 1);
    console.log(`message ${record.messageId}: ${order.quantity} x ${order.item}`);
  }
  return { processed: event.Records.length, total };
}
