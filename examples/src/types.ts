// The parts of the AWS event and context shapes these examples use (Nimbus events follow the AWS formats).

export interface HttpEvent {
  routeKey: string;
  rawPath: string;
  headers: Record<string, string>;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded: boolean;
}

export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface StorageEvent {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number } } }[];
}

export interface QueueEvent {
  Records: { messageId: string; body: string }[];
}

export interface ScheduledEvent {
  'detail-type': string;
  source: string;
  time: string;
  resources: string[];
}

export interface Context {
  awsRequestId: string;
  functionName: string;
  memoryLimitInMB: string | number;
  getRemainingTimeInMillis(): number;
}

// Functions read their settings (nimbus.yaml `env:`) from process.env; declared here so that the examples type-check
// in a fresh copy, without installing @types/node.
declare global {
  const process: { env: Record<string, string | undefined> };
}
