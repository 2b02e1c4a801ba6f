import { DEFAULT_SETTINGS, REPORT_SCHEMA_VERSION, type LayerCurvature, type Report } from '../../src/engine/report';

/** Values a test sets on the report; the rest are those of a small classifier. */
export interface ReportValues {
  top?: number[];
  bottom?: number[];
  negativeMass?: number;
  accuracy?: number | null;
  chanceAccuracy?: number | null;
  learningRate?: number | null;
  layers?: LayerCurvature[];
  createdAt?: string;
}

/** Builds a complete report with hand-picked values, for tests of what the server derives from reports. */
export function makeReport(values: ReportValues = {}): Report {
  const top = values.top ?? [10, 5];
  const bottom = values.bottom ?? [-0.01, 0];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    engineVersion: '0.1.0',
    createdAt: values.createdAt ?? '2025-01-01T00:00:00.000Z',
    model: { path: '/models/model.json', format: 'tfjs-layers', numParameters: 100, outputIndex: 0, outputName: 'out', numOutputs: 1, inputShape: [4] },
    data: { path: '/data/x.npy', labelsPath: '/data/y.npy', samples: 64, totalSamples: 1000, reshapedFrom: null, reshapedTo: null, categories: {} },
    loss: 'sparse_categorical_crossentropy',
    lossValue: 0.3,
    accuracy: values.accuracy === undefined ? 0.9 : values.accuracy,
    chanceAccuracy: values.chanceAccuracy === undefined ? 0.1 : values.chanceAccuracy,
    mode: 'inference',
    backend: 'cpu',
    seed: 0,
    hvp: { method: 'exact', verificationError: 1e-6, reason: 'The exact product agreed with finite differences.', count: 40 },
    eigenvalues: { method: 'lanczos', top, bottom, topResiduals: top.map(() => 0), bottomResiduals: bottom.map(() => 0), iterations: 10, converged: true, breakdown: false },
    trace: { method: 'hutch++', estimate: 20, standardError: 1, probes: 4 },
    density: { grid: [0, 1], values: [1, 1], negativeMass: values.negativeMass ?? 0, nodes: [0.5], weights: [1], sigma: 0.1, runs: 1, steps: 10 },
    layers: values.layers ?? [],
    learningRate: {
      value: values.learningRate ?? null,
      maxStableGradientDescent: top[0] > 0 ? 2 / top[0] : null,
      optimizer: values.learningRate === undefined || values.learningRate === null ? null : 'SGD',
    },
    slice: null,
    warnings: [],
    notes: [],
    settings: { ...DEFAULT_SETTINGS },
    elapsedMs: 1000,
    phaseMs: {},
  };
}

export function makeLayer(name: string, values: Partial<LayerCurvature> = {}): LayerCurvature {
  return {
    name,
    className: 'Dense',
    numParameters: 10,
    lambdaMax: 2,
    lambdaMin: 0,
    lambdaMaxResidual: 1e-6,
    lambdaMinResidual: 1e-6,
    trace: 5,
    traceStandardError: 0.5,
    negativeMass: 0,
    ...values,
  };
}
