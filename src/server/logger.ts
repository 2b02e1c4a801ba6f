/** Log lines of the server, which the client shows in the "Hessian Spectrum" output channel. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Prefix of every log line about one analysis: its id and its model. */
export function analysisTag(analysisId: string, modelPath: string): string {
  return `[analysis ${analysisId}] ${modelPath}:`;
}

/** Extracts the message of any thrown value, for a log line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
