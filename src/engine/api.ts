import type { DataSpec } from './data/types';
import type { AnalysisSettings, LossName, ProgressEvent, Report } from './report';

/** TensorFlow.js backend preference; `auto` tries tfjs-node, then wasm, then cpu. */
export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

/** One analysis: which model, which data, which knobs. */
export interface AnalysisRequest {
  /** Model file: a TensorFlow.js model.json (any name), a Keras .h5 or a .keras file. */
  modelPath: string;
  /** Data to take the Hessian over; when absent, the sidecar `<model>.hessian.json` must name it. */
  data?: DataSpec;
  /**
   * Categories of text columns in index order, per column; they override those
   * of `data` and of the sidecar, column by column.
   */
  categories?: Record<string, string[]>;
  /** Loss when the model file records none; overrides the sidecar's. */
  loss?: LossName;
  /** Output to analyse for a model with several outputs (default: the last). */
  outputIndex?: number;
  backend?: BackendPreference;
  settings?: Partial<AnalysisSettings>;
}

/**
 * Report fields known before the analysis ends. Each phase adds its fields as it
 * finishes, so a viewer can draw what it has.
 */
export type PartialReport = Partial<Report>;

/** Callbacks and cancellation for a running analysis. */
export interface AnalysisHooks {
  onProgress?(event: ProgressEvent): void;
  onPartialReport?(partial: PartialReport): void;
  /** Aborting stops the analysis between Hessian-vector products with a CancelledError. */
  signal?: AbortSignal;
}
