// Shared layer: builds SQS batch events for queue triggers (DESIGN §3).
import { base64Encode, md5Hex, utf8Encode } from './encoding';
import { localAccountId, localRegion, type SqsEvent, type SqsMessageAttribute } from './types';

export interface QueueMessageInput {
  messageId: string;
  body: string;
  /** How often this message was delivered, including this time; 1 on the first try. */
  receiveCount?: number;
  sentAt?: Date;
  attributes?: Record<string, string>;
}

export function queueArn(topic: string): string {
  return `arn:aws:sqs:${localRegion}:${localAccountId}:${topic}`;
}

export function queueEvent(topic: string, messages: QueueMessageInput[]): SqsEvent {
  return {
    Records: messages.map((message) => {
      const receiveCount = message.receiveCount ?? 1;
      const sentTimestamp = String((message.sentAt ?? new Date()).getTime());
      const messageAttributes: Record<string, SqsMessageAttribute> = {};
      for (const [name, value] of Object.entries(message.attributes ?? {})) {
        messageAttributes[name] = { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' };
      }
      return {
        messageId: message.messageId,
        // Unique per delivery, like SQS, so a retried message gets a new handle.
        receiptHandle: base64Encode(utf8Encode(`${topic}:${message.messageId}:${receiveCount}`)),
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: sentTimestamp,
          SenderId: localAccountId,
          ApproximateFirstReceiveTimestamp: sentTimestamp,
        },
        messageAttributes,
        md5OfBody: md5Hex(message.body),
        eventSource: 'aws:sqs' as const,
        eventSourceARN: queueArn(topic),
        awsRegion: localRegion,
      };
    }),
  };
}
