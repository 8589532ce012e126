// Backend layer: the metadata store — functions, versions, invocations, logs, metrics and queue messages in SQLite.
// WAL with synchronous=NORMAL: a committed transaction is in the WAL file before the API acknowledges it, so `kill -9`
// of the backend loses nothing acknowledged; only a power cut can drop the newest commits, never corrupt the database.
// The WAL is checkpointed from a worker thread (walCheckpointer.ts), never inside a commit on the event loop.

import Database from 'better-sqlite3';
import type { DeployConfig, DeadLetter, FunctionMetrics, StoredLogLine, VersionInfo } from '../shared/backendApi';
import { formatReport, type ConsoleLevel, type LogLine } from '../shared/invocation';
import type { Logger } from '../shared/logger';
import { WalCheckpointer } from './walCheckpointer';

/** How often the WAL is copied back into the database file (~3k pages at a few thousand invocations a second). */
const checkpointIntervalMs = 200;

export interface ActiveFunction {
  name: string;
  version: number;
  sha256: string;
  config: DeployConfig;
  updatedAt: string;
}

export interface StoredFunction extends ActiveFunction {
  versions: VersionInfo[];
}

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  version: number;
  trigger: string;
  failed: boolean;
  durationMs: number;
  billedMs: number;
  memoryMB: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  coldStart: boolean;
  costUsd: number;
  startedAt: string;
  /** When the REPORT line was written; the line itself is derived from this record when logs are read. */
  reportedAt: string;
}

/** What one commit adds to a function's metrics. */
interface MetricsIncrement {
  invocations: number;
  errors: number;
  coldStarts: number;
  gbSeconds: number;
  costUsd: number;
}

/** An invocation as it is stored: its record and every log line it wrote (the REPORT line comes from the record). */
export interface RecordedInvocation {
  record: InvocationRecord;
  lines: LogLine[];
}

export interface QueueMessage {
  id: number;
  messageId: string;
  topic: string;
  functionName: string;
  body: string;
  /** Deliveries so far, this one included. */
  receiveCount: number;
  /** When it was enqueued (ms since epoch): SQS's SentTimestamp, the same on every delivery; absent for messages an older backend enqueued. */
  sentAt?: number;
}

/** How many recent invocations the percentiles are computed over. */
const percentileWindow = 10_000;

// Invocations are keyed by an integer (rows append at the end of the table) rather than by their random request id:
// a text primary key costs every commit one more page at a random place, a third of the time of recording one.
// An invocation's REPORT line is not a row of `logs`: it is read from the invocation's own row, which holds every
// number in it, at `report_sequence` (from the same sequence as the log lines; NULL in rows from before it, whose
// REPORT lines are rows of `logs`). A commit of invocations that wrote nothing thus touches neither `logs` nor its
// index: 6.4 µs a record in a commit of 12 rather than 11 µs, 31 µs for a commit of one rather than 44.
const invocationColumns = `
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  failed INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  billed_ms INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  max_memory_mb REAL NOT NULL,
  init_duration_ms REAL,
  cold_start INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  started_at TEXT NOT NULL,
  report_sequence INTEGER,
  reported_at TEXT
`;

/** A data dir of 0.1.0 keyed invocations by request id; its rows move to the integer-keyed table, in order. */
const rekeyInvocations = `
ALTER TABLE invocations RENAME TO invocations_by_request_id;
CREATE TABLE invocations (${invocationColumns});
INSERT INTO invocations (request_id, function_name, version, trigger, failed, duration_ms, billed_ms, memory_mb,
    max_memory_mb, init_duration_ms, cold_start, cost_usd, started_at)
  SELECT request_id, function_name, version, trigger, failed, duration_ms, billed_ms, memory_mb, max_memory_mb,
    init_duration_ms, cold_start, cost_usd, started_at
  FROM invocations_by_request_id ORDER BY started_at;
DROP TABLE invocations_by_request_id;
`;

/** The index of invocations by function, in report order; created once the report columns are there (migrate). */
const invocationIndex = `
DROP INDEX IF EXISTS invocations_by_function;
CREATE INDEX IF NOT EXISTS invocations_by_report ON invocations (function_name, report_sequence);
`;

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS functions (
  name TEXT PRIMARY KEY,
  active_version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  function_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (function_name, version)
);
CREATE TABLE IF NOT EXISTS invocations (${invocationColumns});
CREATE TABLE IF NOT EXISTS logs (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  function_name TEXT NOT NULL,
  request_id TEXT NOT NULL,
  time TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_function ON logs (function_name, sequence);
CREATE TABLE IF NOT EXISTS metrics (
  function_name TEXT PRIMARY KEY,
  invocations INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  cold_starts INTEGER NOT NULL DEFAULT 0,
  gb_seconds REAL NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS queue_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  function_name TEXT NOT NULL,
  body TEXT NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  visible_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT,
  failed_at TEXT,
  sent_at INTEGER
);
CREATE INDEX IF NOT EXISTS queue_ready ON queue_messages (function_name, topic, state, visible_at);
`;

interface VersionRow {
  function_name: string;
  version: number;
  sha256: string;
  config: string;
  created_at: string;
}

export class MetadataStore {
  private readonly database: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly checkpointer: WalCheckpointer;
  /** See readLastSequence. */
  private lastSequence: number;

  constructor(file: string, logger: Logger) {
    this.database = new Database(file);
    this.database.pragma('journal_mode = WAL');
    this.database.pragma('synchronous = NORMAL');
    this.database.pragma('foreign_keys = ON');
    this.database.pragma('busy_timeout = 5000');
    // Checkpoints happen on a worker thread (walCheckpointer.ts), not inside a commit on the event loop.
    this.database.pragma('wal_autocheckpoint = 0');
    // The WAL file is reused from its start after a complete checkpoint; past this size it is also truncated.
    this.database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.database.exec(schema);
    this.migrate();
    this.lastSequence = this.readLastSequence();
    this.checkpointer = new WalCheckpointer(file, checkpointIntervalMs, (message) => logger.warn('WAL checkpoint failed', { error: message }));
    // Messages that were being delivered when the process died were never acknowledged: deliver them again.
    this.statement(`UPDATE queue_messages SET state = 'ready' WHERE state = 'delivering'`).run();
  }

  /** Brings a data dir written by an older backend to this schema (each step checks what is there, so it is safe to repeat). */
  private migrate(): void {
    const invocationColumnNames = () => (this.database.pragma('table_info(invocations)') as { name: string }[]).map((column) => column.name);
    if (!invocationColumnNames().includes('id')) this.database.transaction(() => this.database.exec(rekeyInvocations)).immediate();
    this.database.transaction(() => {
      const present = invocationColumnNames();
      if (!present.includes('report_sequence')) this.database.exec('ALTER TABLE invocations ADD COLUMN report_sequence INTEGER');
      if (!present.includes('reported_at')) this.database.exec('ALTER TABLE invocations ADD COLUMN reported_at TEXT');
      this.database.exec(invocationIndex);
      const queueColumns = (this.database.pragma('table_info(queue_messages)') as { name: string }[]).map((column) => column.name);
      if (!queueColumns.includes('sent_at')) this.database.exec('ALTER TABLE queue_messages ADD COLUMN sent_at INTEGER');
    }).immediate();
  }

  /**
   * The last sequence number handed out, to a log line or a REPORT line. It is kept as the `logs` table's own
   * AUTOINCREMENT counter, so no number is handed out twice: not after a prune or a delete, not by an older backend
   * (which numbers REPORT rows of `logs` from that counter).
   */
  private readLastSequence(): number {
    const row = this.statement(`SELECT seq FROM sqlite_sequence WHERE name = 'logs'`).get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  private writeLastSequence(sequence: number): void {
    if (this.statement(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'logs'`).run(sequence).changes === 0) {
      this.statement(`INSERT INTO sqlite_sequence (name, seq) VALUES ('logs', ?)`).run(sequence);
    }
  }

  /** Prepared once per SQL text: preparing is a large share of a hot-path write otherwise. */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.database.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Stops the checkpoint worker, then closes the store's connection: the data dir is left alone once this resolves. */
  async close(): Promise<void> {
    if (!this.database.open) return;
    await this.checkpointer.stop();
    this.database.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.statement('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.statement('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * Records a deployed version and makes it active, in one transaction. Content equal to the active version changes
   * nothing and returns it with `unchanged: true`.
   */
  recordDeploy(config: DeployConfig, sha256: string, now = new Date()): { version: number; unchanged: boolean } {
    return this.database.transaction(() => {
      const active = this.activeVersionRow(config.name);
      if (active && active.sha256 === sha256) return { version: active.version, unchanged: true };
      const last = this.statement('SELECT MAX(version) AS version FROM versions WHERE function_name = ?')
        .get(config.name) as { version: number | null };
      const version = (last.version ?? 0) + 1;
      const time = now.toISOString();
      this.statement('INSERT INTO versions (function_name, version, sha256, config, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(config.name, version, sha256, JSON.stringify(config), time);
      this.statement(
          `INSERT INTO functions (name, active_version, updated_at) VALUES (?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET active_version = excluded.active_version, updated_at = excluded.updated_at`,
        )
        .run(config.name, version, time);
      return { version, unchanged: false };
    }).immediate();
  }

  /** Makes an existing version active; false when the function or version does not exist. */
  activate(name: string, version: number, now = new Date()): boolean {
    return this.database.transaction(() => {
      const exists = this.statement('SELECT 1 FROM versions WHERE function_name = ? AND version = ?').get(name, version);
      if (!exists) return false;
      const changes = this.statement('UPDATE functions SET active_version = ?, updated_at = ? WHERE name = ?')
        .run(version, now.toISOString(), name).changes;
      return changes === 1;
    }).immediate();
  }

  /** Removes a function with its versions, invocations, logs, metrics and pending messages; false when absent. */
  deleteFunction(name: string): boolean {
    return this.database.transaction(() => {
      const changes = this.statement('DELETE FROM functions WHERE name = ?').run(name).changes;
      for (const table of ['versions', 'invocations', 'logs', 'metrics', 'queue_messages']) {
        this.statement(`DELETE FROM ${table} WHERE function_name = ?`).run(name);
      }
      return changes === 1;
    }).immediate();
  }

  activeFunctions(): ActiveFunction[] {
    const rows = this.statement(
        `SELECT v.*, f.updated_at FROM functions f JOIN versions v ON v.function_name = f.name AND v.version = f.active_version
         ORDER BY f.name`,
      )
      .all() as (VersionRow & { updated_at: string })[];
    return rows.map(toActive);
  }

  getFunction(name: string): StoredFunction | undefined {
    const row = this.activeVersionRow(name);
    if (!row) return undefined;
    const versions = (
      this.statement('SELECT * FROM versions WHERE function_name = ? ORDER BY version').all(name) as VersionRow[]
    ).map((version) => ({
      version: version.version,
      sha256: version.sha256,
      createdAt: version.created_at,
      active: version.version === row.version,
    }));
    return { ...toActive(row), versions };
  }

  /** sha256 of every stored version (bundles not listed here may be removed). */
  referencedBundles(): Set<string> {
    const rows = this.statement('SELECT DISTINCT sha256 FROM versions').all() as { sha256: string }[];
    return new Set(rows.map((row) => row.sha256));
  }

  /**
   * Stores invocations with their log lines and adds them to their functions' metrics, in one transaction: one
   * metrics update per function, not per invocation.
   */
  recordInvocations(invocations: readonly RecordedInvocation[]): void {
    const totals = new Map<string, MetricsIncrement>();
    for (const { record } of invocations) {
      const total = totals.get(record.functionName) ?? { invocations: 0, errors: 0, coldStarts: 0, gbSeconds: 0, costUsd: 0 };
      total.invocations += 1;
      total.errors += record.failed ? 1 : 0;
      total.coldStarts += record.coldStart ? 1 : 0;
      total.gbSeconds += (record.billedMs / 1000) * (record.memoryMB / 1024);
      total.costUsd += record.costUsd;
      totals.set(record.functionName, total);
    }
    this.lastSequence = this.database.transaction(() => {
      let sequence = this.lastSequence;
      for (const { record, lines } of invocations) sequence = this.insertInvocation(record, lines, sequence);
      this.writeLastSequence(sequence);
      const addMetrics = this.statement(
        `INSERT INTO metrics (function_name, invocations, errors, cold_starts, gb_seconds, cost_usd) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(function_name) DO UPDATE SET invocations = invocations + excluded.invocations, errors = errors + excluded.errors,
           cold_starts = cold_starts + excluded.cold_starts, gb_seconds = gb_seconds + excluded.gb_seconds,
           cost_usd = cost_usd + excluded.cost_usd`,
      );
      for (const [name, total] of totals) addMetrics.run(name, total.invocations, total.errors, total.coldStarts, total.gbSeconds, total.costUsd);
      return sequence;
    }).immediate();
  }

  /**
   * Drops at most `batch` of the oldest invocation records and as many log lines from before `cutoff` (an ISO time);
   * returns how many rows went. Rows append in time order, so each pass reads only the front of each table. A row
   * older than one before it is kept until that one expires too: nothing newer than the cutoff is ever dropped. The
   * metrics' counters (invocations, errors, cold starts, GB-seconds, cost) stay whole.
   */
  pruneHistory(cutoff: string, batch: number): number {
    return this.database
      .transaction(() => {
        let removed = 0;
        for (const [table, key, time] of [
          ['invocations', 'id', 'started_at'],
          ['logs', 'sequence', 'time'],
        ] as const) {
          const front = `SELECT ${key}, ${time} FROM ${table} ORDER BY ${key} LIMIT ?`;
          const { keeper } = this.statement(`SELECT min(${key}) AS keeper FROM (${front}) WHERE ${time} >= ?`).get(batch, cutoff) as { keeper: number | null };
          const deleted =
            keeper === null
              ? this.statement(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} ORDER BY ${key} LIMIT ?)`).run(batch)
              : this.statement(`DELETE FROM ${table} WHERE ${key} < ?`).run(keeper);
          removed += deleted.changes;
        }
        return removed;
      })
      .immediate();
  }

  /** Inserts the lines, then the record (its REPORT line follows them); returns the last sequence number used. */
  private insertInvocation(record: InvocationRecord, lines: LogLine[], lastSequence: number): number {
    let sequence = lastSequence;
    const insertLine = this.statement(
      'INSERT INTO logs (sequence, function_name, request_id, time, level, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const line of lines) insertLine.run(++sequence, record.functionName, line.requestId, line.time, line.level, line.message);
    this.statement(
        `INSERT INTO invocations (request_id, function_name, version, trigger, failed, duration_ms, billed_ms,
           memory_mb, max_memory_mb, init_duration_ms, cold_start, cost_usd, started_at, report_sequence, reported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.requestId,
        record.functionName,
        record.version,
        record.trigger,
        record.failed ? 1 : 0,
        record.durationMs,
        record.billedMs,
        record.memoryMB,
        record.maxMemoryUsedMB,
        record.initDurationMs ?? null,
        record.coldStart ? 1 : 0,
        record.costUsd,
        record.startedAt,
        ++sequence,
        record.reportedAt,
      );
    return sequence;
  }

  /**
   * Log lines of a function after `since` (a sequence number), oldest first, REPORT lines included; with `newest`,
   * the last `limit` lines.
   */
  logs(name: string, since: number, limit: number, newest = false): StoredLogLine[] {
    const lines = `
      SELECT sequence, time, level, request_id, function_name, message,
        NULL AS duration_ms, NULL AS billed_ms, NULL AS memory_mb, NULL AS max_memory_mb, NULL AS init_duration_ms
      FROM logs WHERE function_name = @name AND sequence > @since
      UNION ALL
      SELECT report_sequence, reported_at, 'info', request_id, function_name, NULL,
        duration_ms, billed_ms, memory_mb, max_memory_mb, init_duration_ms
      FROM invocations WHERE function_name = @name AND report_sequence > @since`;
    const query = newest
      ? `SELECT * FROM (${lines} ORDER BY sequence DESC LIMIT @limit) ORDER BY sequence`
      : `${lines} ORDER BY sequence LIMIT @limit`;
    const rows = this.statement(query).all({ name, since, limit }) as {
      sequence: number;
      time: string;
      level: ConsoleLevel;
      request_id: string;
      function_name: string;
      message: string | null;
      duration_ms: number | null;
      billed_ms: number;
      memory_mb: number;
      max_memory_mb: number;
      init_duration_ms: number | null;
    }[];
    return rows.map((row) => ({
      sequence: row.sequence,
      time: row.time,
      level: row.level,
      requestId: row.request_id,
      functionName: row.function_name,
      message:
        row.message ??
        formatReport({
          requestId: row.request_id,
          durationMs: row.duration_ms!,
          billedMs: row.billed_ms,
          memorySizeMB: row.memory_mb,
          maxMemoryUsedMB: row.max_memory_mb,
          ...(row.init_duration_ms === null ? {} : { initDurationMs: row.init_duration_ms }),
          costUsd: 0,
        }),
    }));
  }

  /** The sequence of the first log line written at or after a time (for `since=<ISO time>`). */
  sequenceBefore(name: string, time: string): number {
    const row = this.statement(
        `SELECT MIN(sequence) AS sequence FROM (
           SELECT MIN(sequence) AS sequence FROM logs WHERE function_name = @name AND time >= @time
           UNION ALL
           SELECT MIN(report_sequence) FROM invocations WHERE function_name = @name AND reported_at >= @time)`,
      )
      .get({ name, time }) as { sequence: number | null };
    return row.sequence === null ? this.lastSequence : row.sequence - 1;
  }

  metrics(name: string): FunctionMetrics {
    const totals = this.statement('SELECT * FROM metrics WHERE function_name = ?').get(name) as
      | { invocations: number; errors: number; cold_starts: number; gb_seconds: number; cost_usd: number }
      | undefined;
    const durations = (
      this.statement('SELECT duration_ms FROM invocations WHERE function_name = ? ORDER BY report_sequence DESC LIMIT ?')
        .all(name, percentileWindow) as { duration_ms: number }[]
    )
      .map((row) => row.duration_ms)
      .sort((a, b) => a - b);
    return {
      name,
      invocations: totals?.invocations ?? 0,
      errors: totals?.errors ?? 0,
      coldStarts: totals?.cold_starts ?? 0,
      p50Ms: percentile(durations, 0.5),
      p95Ms: percentile(durations, 0.95),
      p99Ms: percentile(durations, 0.99),
      gbSeconds: totals?.gb_seconds ?? 0,
      estimatedCostUsd: totals?.cost_usd ?? 0,
    };
  }

  /** Stores one message per subscribing function; returns nothing until it is on disk. */
  enqueue(topic: string, subscribers: string[], messages: { messageId: string; body: string }[], now = Date.now()): void {
    this.database.transaction(() => {
      const insert = this.statement(
        `INSERT INTO queue_messages (message_id, topic, function_name, body, visible_at, state, sent_at) VALUES (?, ?, ?, ?, ?, 'ready', ?)`,
      );
      for (const functionName of subscribers) {
        for (const message of messages) insert.run(message.messageId, topic, functionName, message.body, now, now);
      }
    }).immediate();
  }

  /** Takes up to `limit` visible messages of a function's subscription and marks them as being delivered. */
  claimMessages(functionName: string, topic: string, limit: number, now = Date.now()): QueueMessage[] {
    return this.database.transaction(() => {
      const rows = this.statement(
          `SELECT * FROM queue_messages WHERE function_name = ? AND topic = ? AND state = 'ready' AND visible_at <= ?
           ORDER BY id LIMIT ?`,
        )
        .all(functionName, topic, now, limit) as {
        id: number;
        message_id: string;
        topic: string;
        function_name: string;
        body: string;
        receive_count: number;
        sent_at: number | null;
      }[];
      const mark = this.statement(
        `UPDATE queue_messages SET state = 'delivering', receive_count = receive_count + 1 WHERE id = ?`,
      );
      for (const row of rows) mark.run(row.id);
      return rows.map((row) => ({
        id: row.id,
        messageId: row.message_id,
        topic: row.topic,
        functionName: row.function_name,
        body: row.body,
        receiveCount: row.receive_count + 1,
        ...(row.sent_at === null ? {} : { sentAt: row.sent_at }),
      }));
    }).immediate();
  }

  /** Delivered: the messages are done. */
  acknowledgeMessages(ids: number[]): void {
    this.database.transaction(() => {
      const remove = this.statement('DELETE FROM queue_messages WHERE id = ?');
      for (const id of ids) remove.run(id);
    }).immediate();
  }

  /** Failed delivery: back to 'ready' after `retryAt`, or to the dead letters once retries are used up. */
  failMessages(messages: QueueMessage[], error: string, maxRetries: number, retryAt: number, now = new Date()): void {
    this.database.transaction(() => {
      const retry = this.statement(`UPDATE queue_messages SET state = 'ready', visible_at = ?, last_error = ? WHERE id = ?`);
      const dead = this.statement(`UPDATE queue_messages SET state = 'dead', last_error = ?, failed_at = ? WHERE id = ?`);
      for (const message of messages) {
        if (message.receiveCount > maxRetries) dead.run(error, now.toISOString(), message.id);
        else retry.run(retryAt, error, message.id);
      }
    }).immediate();
  }

  /** When the next ready message of a subscription becomes visible (ms since epoch), if any. */
  nextVisibleAt(functionName: string, topic: string): number | undefined {
    const row = this.statement(`SELECT MIN(visible_at) AS at FROM queue_messages WHERE function_name = ? AND topic = ? AND state = 'ready'`)
      .get(functionName, topic) as { at: number | null };
    return row.at ?? undefined;
  }

  deadLetters(topic: string): DeadLetter[] {
    const rows = this.statement(`SELECT * FROM queue_messages WHERE topic = ? AND state = 'dead' ORDER BY id`)
      .all(topic) as {
      message_id: string;
      topic: string;
      function_name: string;
      body: string;
      receive_count: number;
      last_error: string | null;
      failed_at: string | null;
    }[];
    return rows.map((row) => ({
      messageId: row.message_id,
      topic: row.topic,
      functionName: row.function_name,
      body: row.body,
      receiveCount: row.receive_count,
      lastError: row.last_error ?? '',
      failedAt: row.failed_at ?? '',
    }));
  }

  private activeVersionRow(name: string): (VersionRow & { updated_at: string }) | undefined {
    return this.statement(
        `SELECT v.*, f.updated_at FROM functions f JOIN versions v ON v.function_name = f.name AND v.version = f.active_version
         WHERE f.name = ?`,
      )
      .get(name) as (VersionRow & { updated_at: string }) | undefined;
  }
}

function toActive(row: VersionRow & { updated_at: string }): ActiveFunction {
  return {
    name: row.function_name,
    version: row.version,
    sha256: row.sha256,
    config: JSON.parse(row.config) as DeployConfig,
    updatedAt: row.updated_at,
  };
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1]!;
}
