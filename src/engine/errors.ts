/**
 * Typed errors of the engine.
 *
 * An InputError is the user's to fix: a model, data or sidecar file is missing,
 * corrupt, hostile or does not fit the rest. It always names the file, what is
 * wrong and what to do. The CLI prints its message on one line and exits with
 * code 2; the language server shows it as a notification and as a diagnostic on
 * `file`. Any other error is an internal fault (exit code 1).
 */
export class InputError extends Error {
  /** Absolute or user-given path of the offending file. */
  readonly file: string;

  /** The problem, as one sentence without the file name. */
  readonly problem: string;

  /** The user's fix, as one sentence. */
  readonly fix: string;

  constructor(file: string, problem: string, fix: string) {
    super(`${file}: ${withFullStop(problem)} ${withFullStop(fix)}`);
    this.name = 'InputError';
    this.file = file;
    this.problem = problem;
    this.fix = fix;
  }
}

/**
 * An option or setting that cannot work, such as `--backend node` where
 * tfjs-node does not load. Like an InputError it is the user's to fix, but it
 * names no file.
 */
export class UsageError extends Error {
  constructor(problem: string, fix: string) {
    super(`${withFullStop(problem)} ${withFullStop(fix)}`);
    this.name = 'UsageError';
  }
}

/**
 * An analysis that stopped because the user cancelled it. It is neither the
 * user's input fault nor an internal one, so callers report it quietly.
 */
export class CancelledError extends Error {
  constructor() {
    super('The analysis was cancelled.');
    this.name = 'CancelledError';
  }
}

/** Exit code of the CLI for an error: 2 for bad input or usage, 130 for a cancel, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError || error instanceof UsageError) {
    return 2;
  }
  if (error instanceof CancelledError) {
    return 130;
  }
  return 1;
}

/** Throws a CancelledError when the signal has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError();
  }
}

function withFullStop(sentence: string): string {
  const trimmed = sentence.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
