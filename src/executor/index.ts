// Executor layer: the local sandboxed executor — createExecutor() wires the bundler, the per-function instance pools,
// the sandbox and debug instances behind the Executor interface of api.ts.

import { Emitter } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import type { InvocationResult } from '../shared/invocation';
import { silentLogger } from '../shared/logger';
import type {
  BundleInfo,
  DebugInstance,
  DebugInstanceOptions,
  Executor,
  ExecutorOptions,
  InstanceStats,
  InvokeOptions,
  RunnableFunction,
  SandboxLevel,
} from './api';
import { Bundler } from './bundler';
import { LocalDebugInstance } from './debugInstance';
import { findHarnessFile, sweepOrphanedInstanceTmpDirs } from './paths';
import { FunctionPool, specKey } from './pool';
import { findBubblewrap, findNodeRuntime, type NodeRuntime } from './sandbox';

export type * from './api';

const defaultIdleTimeoutMs = 60_000;

export function createExecutor(options: ExecutorOptions): Executor {
  return new LocalExecutor(options);
}

interface Runtime {
  harnessFile: string;
  sandbox: SandboxLevel;
  bubblewrap?: string;
  node: NodeRuntime;
}

class LocalExecutor implements Executor {
  private readonly bundler: Bundler;
  private readonly logger;
  /** The live pool of each function; replaced when its spec changes or it is invalidated. */
  private readonly pools = new Map<string, FunctionPool>();
  /** Replaced pools finishing their last invocations. */
  private readonly retiring = new Set<FunctionPool>();
  private readonly debugInstances = new Set<DebugInstance>();
  private readonly changeEmitter = new Emitter<InstanceStats>();
  readonly onDidChangeInstances = this.changeEmitter.event;
  private runtime: Promise<Runtime> | undefined;
  private disposed = false;

  constructor(private readonly options: ExecutorOptions) {
    this.logger = options.logger ?? silentLogger;
    this.bundler = new Bundler(options.cacheDir, this.logger);
    sweepOrphanedInstanceTmpDirs();
  }

  async invoke(fn: RunnableFunction, event: unknown, options?: InvokeOptions): Promise<InvocationResult> {
    return this.poolFor(fn).invoke(event, options);
  }

  bundle(fn: RunnableFunction): Promise<BundleInfo> {
    if (fn.prebuiltBundle) {
      return Promise.resolve({ file: fn.prebuiltBundle, sourceMapFile: `${fn.prebuiltBundle}.map`, inputs: [] });
    }
    return this.options.bundle ? this.options.bundle(fn) : this.bundler.bundle(fn);
  }

  async startDebugInstance(fn: RunnableFunction, options: DebugInstanceOptions = {}): Promise<DebugInstance> {
    const [bundle, runtime] = await Promise.all([this.bundle(fn), this.resolveRuntime()]);
    const instance = await LocalDebugInstance.start({
      fn,
      bundle,
      harnessFile: runtime.harnessFile,
      sandbox: runtime.sandbox,
      bubblewrap: runtime.bubblewrap,
      node: runtime.node,
      logger: this.logger,
      prices: this.options.prices,
      onLog: this.options.onLog,
      inspectorPort: options.port ?? 0,
    });
    this.debugInstances.add(instance);
    instance.onDidExit(() => this.debugInstances.delete(instance));
    return instance;
  }

  async invalidate(functionName?: string): Promise<void> {
    const retiring = [...this.pools].filter(([name]) => functionName === undefined || name === functionName);
    await Promise.all(retiring.map(([, pool]) => this.retire(pool)));
  }

  stats(): InstanceStats[] {
    return [...this.pools.values()].map((pool) => pool.stats());
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const pools = [...this.pools.values(), ...this.retiring];
    this.pools.clear();
    this.retiring.clear();
    await Promise.all([...pools.map((pool) => pool.dispose()), ...[...this.debugInstances].map((instance) => instance.dispose())]);
    this.changeEmitter.dispose();
  }

  private poolFor(fn: RunnableFunction): FunctionPool {
    if (this.disposed) throw new NimbusError('INTERNAL', 'The executor was stopped: create a new one to invoke functions.', { user: false });
    const existing = this.pools.get(fn.name);
    if (existing && existing.key === specKey(fn)) return existing;
    if (existing) void this.retire(existing);
    const pool = new FunctionPool({
      fn,
      resolveBundle: () => this.bundle(fn),
      resolveRuntime: () => this.resolveRuntime(),
      idleTimeoutMs: this.options.idleTimeoutMs ?? defaultIdleTimeoutMs,
      whenSaturated: this.options.whenSaturated ?? 'queue',
      maxQueued: this.options.maxQueued ?? 0,
      logger: this.logger,
      prices: this.options.prices,
      onLog: this.options.onLog,
    });
    pool.onDidChange((stats) => this.changeEmitter.fire(stats));
    this.pools.set(fn.name, pool);
    return pool;
  }

  private retire(pool: FunctionPool): Promise<void> {
    this.pools.delete(pool.functionName);
    this.retiring.add(pool);
    pool.onDidEmpty(() => {
      this.retiring.delete(pool);
      void pool.dispose();
    });
    return pool.retire();
  }

  /** The harness and the effective sandbox level, found once: a missing bwrap downgrades 'strict' with one warning. */
  private resolveRuntime(): Promise<Runtime> {
    this.runtime ??= (async () => {
      const harnessFile = findHarnessFile();
      const node = findNodeRuntime(this.options.nodePath);
      const sandbox = this.options.sandbox ?? 'strict';
      if (sandbox !== 'strict') return { harnessFile, sandbox, node };
      const bubblewrap = await findBubblewrap();
      if (!bubblewrap) {
        this.logger.warn("bubblewrap (bwrap) is not available: functions run with Node's permission model only (no network or pid namespaces). Install bubblewrap for the full sandbox.");
      }
      return { harnessFile, sandbox, bubblewrap, node };
    })();
    // A failure (no harness built yet) must not stick: the next invocation looks again.
    this.runtime.catch(() => (this.runtime = undefined));
    return this.runtime;
  }
}
