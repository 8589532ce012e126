// Shared layer: the one error type of Nimbus — a stable code, a sentence a user can act on, and who is at fault.

export type ErrorCode =
  | 'USAGE'
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_INVALID'
  | 'FUNCTION_NOT_FOUND'
  | 'HANDLER_NOT_FOUND'
  | 'BUILD_FAILED'
  | 'EVENT_INVALID'
  | 'FUNCTION_ERROR'
  | 'FUNCTION_TIMEOUT'
  | 'FUNCTION_OUT_OF_MEMORY'
  | 'FUNCTION_CRASHED'
  | 'SANDBOX_DENIED'
  | 'INSTANCE_LIMIT'
  | 'DEBUG_ATTACH_FAILED'
  | 'BACKEND_UNREACHABLE'
  | 'BACKEND_UNAUTHORIZED'
  | 'BACKEND_ERROR'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'BUNDLE_INVALID'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** Exit code of the CLI for an error of this code (DESIGN §4: 1 = the function failed, 2 = usage or manifest). */
export function exitCodeOf(code: ErrorCode): number {
  switch (code) {
    case 'FUNCTION_ERROR':
    case 'FUNCTION_TIMEOUT':
    case 'FUNCTION_OUT_OF_MEMORY':
    case 'FUNCTION_CRASHED':
    case 'SANDBOX_DENIED':
      return 1;
    case 'USAGE':
    case 'MANIFEST_NOT_FOUND':
    case 'MANIFEST_INVALID':
    case 'FUNCTION_NOT_FOUND':
    case 'HANDLER_NOT_FOUND':
    case 'EVENT_INVALID':
    case 'BUILD_FAILED':
      return 2;
    default:
      return 3;
  }
}

export interface NimbusErrorOptions {
  /** True when the user can fix it (bad input, manifest, handler); false for internal faults. */
  user?: boolean;
  cause?: unknown;
  /** Structured detail for tools (diagnostics of a manifest, the HTTP status of a backend reply, …). */
  details?: unknown;
}

export class NimbusError extends Error {
  readonly code: ErrorCode;
  readonly user: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: NimbusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NimbusError';
    this.code = code;
    this.user = options.user ?? code !== 'INTERNAL';
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isNimbusError(value: unknown): value is NimbusError {
  return value instanceof NimbusError;
}

/** Wraps anything thrown into a NimbusError, keeping the original as cause. */
export function toNimbusError(value: unknown): NimbusError {
  if (value instanceof NimbusError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new NimbusError('INTERNAL', message, { user: false, cause: value });
}

/** Why a server could not listen, said the way its user fixes it (`server` names it: "The gateway", "The backend"). */
export function listenFailure(error: unknown, server: string, host: string, port: number): NimbusError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is in use; stop what uses it or pass --port with another port.`
      : code === 'EADDRNOTAVAIL'
        ? `${server} cannot listen on ${host}: no network interface here has that address; pass --host with one that does (127.0.0.1 for this machine only).`
        : `${server} cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
  return new NimbusError('USAGE', message, { cause: error });
}
