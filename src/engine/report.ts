/**
 * The analysis report: the one schema that the engine writes and the CLI, the
 * language server and the webview read. It is plain JSON (no typed arrays, no
 * NaN: a value that could not be computed is null), so it survives
 * `JSON.stringify`, a worker message and an LSP notification unchanged.
 *
 * Eigenvalues, traces and densities are of the Hessian of the mean loss over
 * the chosen samples with respect to the trainable parameters, in loss units
 * per squared parameter unit.
 */

/** Version of this schema; bump it when a field changes meaning or is removed. */
export const REPORT_SCHEMA_VERSION = 1;

/** Model file formats the loaders understand. */
export type ModelFormat = 'tfjs-layers' | 'keras-h5' | 'keras-v3';

/** Canonical loss names, spelled as Keras spells them. */
export type LossName =
  | 'categorical_crossentropy'
  | 'sparse_categorical_crossentropy'
  | 'binary_crossentropy'
  | 'mean_squared_error'
  | 'mean_absolute_error';

/** Method of the Hessian-vector products. */
export type HvpMethod = 'exact' | 'finite-difference';

/** Algorithm behind the extreme eigenvalues. */
export type EigenMethod = 'lanczos' | 'power';

/**
 * Algorithm behind the trace estimate: Hutch++ with the Krylov space of the
 * extreme-eigenvalue Lanczos run as its low-rank part (no extra products for
 * that part), Hutch++ with a random sketch, or plain Hutchinson.
 */
export type TraceMethod = 'krylov-hutch++' | 'hutch++' | 'hutchinson';

/** Phases of an analysis, in the order they run. */
export type AnalysisPhase =
  | 'loading'
  | 'verifying'
  | 'eigenvalues'
  | 'trace'
  | 'density'
  | 'layers'
  | 'slice';

/** A finding worth the user's attention, with a stable code to look it up. */
export interface ReportWarning {
  /** Stable identifier, for instance `chance-accuracy` or `hvp-fallback`. */
  code: string;
  message: string;
}

export interface ModelSummary {
  /** Path of the model file the user picked. */
  path: string;
  format: ModelFormat;
  /** Number of trainable parameters n; the Hessian is n × n. */
  numParameters: number;
  /** Index of the analysed output among the model's outputs. */
  outputIndex: number;
  /** Name of the analysed output layer. */
  outputName: string;
  /** Number of outputs the model has. */
  numOutputs: number;
  /** Input shape without the batch dimension. */
  inputShape: number[];
}

export interface DataSummary {
  /** Path of the inputs file (or of the single file holding inputs and labels). */
  path: string;
  /** Path of a separate labels file, when there is one. */
  labelsPath: string | null;
  /** Number of samples the Hessian was taken over. */
  samples: number;
  /** Number of samples in the file. */
  totalSamples: number;
  /** Set when the inputs were reshaped by dropping or adding size-1 dimensions. */
  reshapedFrom: number[] | null;
  reshapedTo: number[] | null;
  /**
   * Text columns mapped to indices: column name → categories in index order.
   * Empty for numeric data; absent in reports of engine versions before it.
   */
  categories?: Record<string, string[]>;
}

export interface HvpSummary {
  method: HvpMethod;
  /**
   * Relative disagreement between the exact HVP and a central finite
   * difference on random probes, ‖Hv_exact − Hv_fd‖ / ‖Hv_fd‖, as the median
   * over probes on the first few samples. Null when no comparison ran.
   */
  verificationError: number | null;
  /** Reason for the method, in one sentence, for instance why exact products were rejected. */
  reason: string;
  /** Number of Hessian-vector products over the chosen samples that the report cost. */
  count: number;
}

export interface EigenvalueSummary {
  method: EigenMethod;
  /** Largest eigenvalues, descending. */
  top: number[];
  /** Smallest eigenvalues, ascending. */
  bottom: number[];
  /** Residual bound ‖H y − θ y‖ of each value in `top`, in the same units. */
  topResiduals: number[];
  /** Residual bound of each value in `bottom`. */
  bottomResiduals: number[];
  /** Krylov (or power) iterations run. */
  iterations: number;
  /** True when every reported value met the tolerance. */
  converged: boolean;
  /** True when Lanczos stopped early on an invariant subspace (tiny β). */
  breakdown: boolean;
}

export interface TraceSummary {
  method: TraceMethod;
  estimate: number;
  /** Standard error of `estimate` from the probes' spread (not a running-mean change). */
  standardError: number;
  /** Number of Hessian-vector products the estimate used. */
  probes: number;
}

export interface DensitySummary {
  /** Eigenvalue grid, ascending. */
  grid: number[];
  /** Smoothed spectral density on `grid`; integrates to 1 over the grid. */
  values: number[];
  /** Spectral weight below −tolerance·max|λ|: the share of negative-curvature directions. */
  negativeMass: number;
  /** Ritz nodes and quadrature weights averaged over runs, before smoothing. */
  nodes: number[];
  weights: number[];
  /** Width of the Gaussian kernel, in eigenvalue units. */
  sigma: number;
  /** Number of random starting vectors. */
  runs: number;
  /** Lanczos steps per run. */
  steps: number;
}

export interface LayerCurvature {
  /** Layer name as the model file gives it. */
  name: string;
  /** Layer class, for instance `Dense` or `Conv2D`. */
  className: string;
  numParameters: number;
  /** Extreme eigenvalues and trace of this layer's diagonal block of the Hessian. */
  lambdaMax: number | null;
  lambdaMin: number | null;
  /**
   * Residual bounds of lambdaMax and lambdaMin: an eigenvalue of the block lies
   * within this distance of each. Lanczos approaches the extremes from inside
   * the spectrum, so lambdaMin is at least the true λmin.
   */
  lambdaMaxResidual: number | null;
  lambdaMinResidual: number | null;
  trace: number | null;
  /** Standard error of the block trace estimate. */
  traceStandardError: number | null;
  /** Share of the block's spectral weight below −tolerance·max|λ| (estimate). */
  negativeMass: number | null;
}

export interface LearningRateSummary {
  /** Learning rate from the training configuration, or null when the file records none. */
  value: number | null;
  /** 2/λmax: the largest step size at which plain gradient descent is stable here. */
  maxStableGradientDescent: number | null;
  /** Optimizer class from the training configuration, for instance `Adam`. */
  optimizer: string | null;
}

/** Loss along the top eigenvector: L(θ + α·u) for a grid of α. */
export interface LossSlice {
  /** Step sizes α, in parameter units along the unit eigenvector u. */
  alphas: number[];
  losses: number[];
  /** Eigenvalue of the direction u. */
  eigenvalue: number;
}

export interface Report {
  schemaVersion: number;
  /** Version of the engine that wrote the report. */
  engineVersion: string;
  /** ISO 8601 time at which the analysis finished. */
  createdAt: string;
  model: ModelSummary;
  data: DataSummary;
  loss: LossName;
  /** Mean loss over the chosen samples at the trained parameters. */
  lossValue: number;
  /** Share of correctly classified samples, for classifiers; null otherwise. */
  accuracy: number | null;
  /** Accuracy of guessing, 1/classes for classifiers; null otherwise. */
  chanceAccuracy: number | null;
  /** Always inference: Dropout is off and BatchNormalization uses its moving statistics. */
  mode: 'inference';
  /** TensorFlow.js backend that ran the products: `tensorflow` (tfjs-node), `wasm` or `cpu`. */
  backend: string;
  seed: number;
  hvp: HvpSummary;
  eigenvalues: EigenvalueSummary;
  trace: TraceSummary;
  density: DensitySummary;
  layers: LayerCurvature[];
  learningRate: LearningRateSummary;
  slice: LossSlice | null;
  warnings: ReportWarning[];
  /** Facts about the run worth a line but not a warning: conversions, backend fallbacks, ignored file parts. */
  notes: string[];
  /** Settings that shaped the result, echoed for reproducibility. */
  settings: AnalysisSettings;
  /** Wall time of the whole analysis, in milliseconds. */
  elapsedMs: number;
  /** Wall time per phase, in milliseconds. */
  phaseMs: Partial<Record<AnalysisPhase, number>>;
}

/** Knobs of an analysis; each has a default in `DEFAULT_SETTINGS`. */
export interface AnalysisSettings {
  /** Samples drawn from the data (all when larger than the file). */
  samples: number;
  /** Samples per forward and backward pass; bounds memory, not the result. */
  batchSize: number;
  /** Number of largest and of smallest eigenvalues to report. */
  topK: number;
  /** Maximum Lanczos steps for the extreme eigenvalues. */
  lanczosSteps: number;
  /** Random starting vectors of stochastic Lanczos quadrature. */
  densityRuns: number;
  /** Lanczos steps per density run. */
  densitySteps: number;
  /** Hessian-vector products for the trace estimate. */
  traceProbes: number;
  traceMethod: TraceMethod;
  method: 'auto' | HvpMethod;
  eigenMethod: EigenMethod;
  /** Relative tolerance of the extreme eigenvalues. */
  tolerance: number;
  /**
   * Storage of the Lanczos vectors: float64 (8·m·n bytes for m steps on n
   * parameters), float32 (half of that), or auto: float32 only when float64
   * would pass 1 GiB.
   */
  basisPrecision: 'auto' | 'float64' | 'float32';
  /** Compute per-layer blocks. */
  perLayer: boolean;
  /**
   * Lanczos steps per layer block; each costs one Hessian-vector product over
   * all samples. Fewer steps are faster but may miss a small negative λmin.
   */
  layerSteps: number;
  /** Points of the loss slice along the top eigenvector (0 to skip). */
  slicePoints: number;
  /** Worker threads that share the samples; 0 means one per CPU core. */
  workers: number;
  seed: number;
}

export const DEFAULT_SETTINGS: AnalysisSettings = {
  samples: 1000,
  batchSize: 256,
  topK: 5,
  lanczosSteps: 80,
  densityRuns: 3,
  densitySteps: 90,
  traceProbes: 60,
  traceMethod: 'krylov-hutch++',
  method: 'auto',
  eigenMethod: 'lanczos',
  tolerance: 1e-3,
  basisPrecision: 'auto',
  perLayer: true,
  layerSteps: 30,
  slicePoints: 41,
  workers: 0,
  seed: 0,
};

/** Progress of a running analysis, as the CLI's bars and the editor's notification show it. */
export interface ProgressEvent {
  phase: AnalysisPhase;
  /** Work done and total in this phase, in Hessian-vector products or steps. */
  done: number;
  total: number;
  /** Short human-readable status, for instance `λmax ≈ 12.3`. */
  message?: string;
}
