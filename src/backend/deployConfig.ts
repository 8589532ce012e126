// Backend layer: validates `nimbus.json` of a deploy artifact against the manifest's limits before anything is stored.

import Ajv from 'ajv';
import { NimbusError } from '../shared/errors';
import type { DeployConfig } from '../shared/backendApi';
import { limits } from '../shared/manifest/model';

/** Function names double as URL segments and file names: keep them plain. */
export const functionNamePattern = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';

const httpTrigger = {
  type: 'object',
  required: ['type', 'method', 'path', 'auth'],
  additionalProperties: false,
  properties: {
    type: { const: 'http' },
    method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] },
    path: { type: 'string', pattern: '^/', maxLength: 1024 },
    auth: { enum: ['none', 'token'] },
  },
};
const storageTrigger = {
  type: 'object',
  required: ['type', 'bucket', 'events'],
  additionalProperties: false,
  properties: {
    type: { const: 'storage' },
    bucket: { type: 'string', minLength: 1, maxLength: 63 },
    events: { type: 'array', items: { enum: ['created', 'deleted'] }, minItems: 1 },
    prefix: { type: 'string' },
    suffix: { type: 'string' },
  },
};
const queueTrigger = {
  type: 'object',
  required: ['type', 'topic', 'batchSize', 'maxRetries'],
  additionalProperties: false,
  properties: {
    type: { const: 'queue' },
    topic: { type: 'string', minLength: 1, maxLength: 128 },
    batchSize: { type: 'integer', minimum: limits.batchSize.min, maximum: limits.batchSize.max },
    maxRetries: { type: 'integer', minimum: limits.maxRetries.min, maximum: limits.maxRetries.max },
  },
};
const scheduleTrigger = {
  type: 'object',
  required: ['type', 'cron'],
  additionalProperties: false,
  properties: {
    type: { const: 'schedule' },
    cron: { type: 'string', minLength: 1 },
    timezone: { type: 'string' },
  },
};

const schema = {
  type: 'object',
  required: ['name', 'handler', 'handlerExport', 'runtime', 'memory', 'timeout', 'env', 'concurrency', 'network', 'triggers'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: functionNamePattern },
    handler: { type: 'string', minLength: 1 },
    handlerExport: { type: 'string', pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$' },
    runtime: { type: 'string', pattern: '^node[0-9]+$' },
    memory: { type: 'integer', minimum: limits.memory.min, maximum: limits.memory.max },
    timeout: { type: 'number', minimum: limits.timeout.min, maximum: limits.timeout.max },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    concurrency: { type: 'integer', minimum: limits.concurrency.min, maximum: limits.concurrency.max },
    instanceConcurrency: { type: 'integer', minimum: limits.instanceConcurrency.min, maximum: limits.instanceConcurrency.max },
    network: { type: 'boolean' },
    description: { type: 'string', maxLength: 1024 },
    triggers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['http', 'storage', 'queue', 'schedule'] } },
        allOf: [
          { if: { properties: { type: { const: 'http' } } }, then: httpTrigger },
          { if: { properties: { type: { const: 'storage' } } }, then: storageTrigger },
          { if: { properties: { type: { const: 'queue' } } }, then: queueTrigger },
          { if: { properties: { type: { const: 'schedule' } } }, then: scheduleTrigger },
        ],
      },
    },
  },
};

const validate = new Ajv({ allErrors: false, strict: false }).compile<DeployConfig>(schema);

/** Parses and checks `nimbus.json`; throws BUNDLE_INVALID naming the first problem. */
export function parseDeployConfig(text: string): DeployConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NimbusError('BUNDLE_INVALID', `nimbus.json in the deploy artifact is not valid JSON (${(error as Error).message}); re-create it with \`nimbus deploy\``);
  }
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const where = first?.instancePath ? `nimbus.json${first.instancePath.replaceAll('/', '.')}` : 'nimbus.json';
    throw new NimbusError('BUNDLE_INVALID', `${where} ${first?.message ?? 'is invalid'}; fix the function in nimbus.yaml and deploy again`);
  }
  return value;
}
