import type { AnalysisHooks, PartialReport } from '../api';
import type { AnalysisPhase, Report } from '../report';

/**
 * Progress, timing and partial results of one analysis: which phase runs,
 * how long each took, and the report fields known so far.
 */
export class PhaseTracker {
  /** Wall time per phase, in milliseconds. */
  readonly phaseMs: Report['phaseMs'] = {};
  /** Report fields published so far. */
  readonly partial: PartialReport = {};

  private phase: AnalysisPhase = 'loading';
  private phaseStarted = Date.now();

  constructor(private readonly hooks: AnalysisHooks) {}

  /** Ends the current phase and starts `next`, whose work is `total` steps. */
  enter(next: AnalysisPhase, total: number, message?: string): void {
    this.finish();
    this.phase = next;
    this.hooks.onProgress?.({ phase: next, done: 0, total, message });
  }

  /** Reports progress within the current phase. */
  report(done: number, total: number, message?: string): void {
    this.hooks.onProgress?.({ phase: this.phase, done, total, message });
  }

  /** A progress callback for the linear-algebra routines. */
  readonly onStep = (done: number, total: number): void => this.report(done, total);

  /** Adds the time since the phase started (or since the last call) to the phase. */
  finish(): void {
    const now = Date.now();
    this.phaseMs[this.phase] = (this.phaseMs[this.phase] ?? 0) + now - this.phaseStarted;
    this.phaseStarted = now;
  }

  /** Merges fields into the partial report and sends a copy to the listener. */
  publish(fields: PartialReport): void {
    Object.assign(this.partial, fields);
    this.hooks.onPartialReport?.({ ...this.partial });
  }
}
