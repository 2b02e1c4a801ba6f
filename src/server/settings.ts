/**
 * The extension's settings (`hessianSpectrum.*`), parsed once into a typed
 * object. Defaults live here and in package.json, and the two must agree. A
 * value of the wrong type or out of range falls back to its default, so a typo
 * in settings.json never stops an analysis.
 */

import type { BackendPreference } from '../engine/api';
import { DEFAULT_SETTINGS, type AnalysisSettings } from '../engine/report';

/** Thresholds of the Problems-panel diagnostics. */
export interface DiagnosticThresholds {
  /** λmax above this is a sharp minimum, in loss units per squared parameter unit; 0 turns the check off. */
  sharpMinimumLambdaMax: number;
  /** λmin below −tolerance·λmax is negative curvature (a share of λmax, between 0 and 1). */
  negativeCurvatureTolerance: number;
  /** Negative spectral mass above this share (0 to 1) is negative curvature. */
  negativeMassThreshold: number;
  /** Accuracy at most this far above chance accuracy (share, 0 to 1) counts as chance level. */
  chanceAccuracyMargin: number;
}

export interface ExtensionSettings {
  /** The engine's knobs that the user can set (worker threads included); the others keep the engine's defaults. */
  analysis: AnalysisSettings;
  backend: BackendPreference;
  thresholds: DiagnosticThresholds;
  /** Analyse a model again when its files are saved or rewritten. */
  analyzeOnSave: boolean;
}

// NOTE: the λmax threshold of 1000 is a guess, not calibrated on a collection of
// models; the scale of λmax depends on the loss and the parametrisation.
export const DEFAULT_THRESHOLDS: DiagnosticThresholds = {
  sharpMinimumLambdaMax: 1000,
  negativeCurvatureTolerance: 0.05,
  negativeMassThreshold: 0.05,
  chanceAccuracyMargin: 0.05,
};

export const DEFAULT_EXTENSION_SETTINGS: ExtensionSettings = {
  analysis: { ...DEFAULT_SETTINGS },
  backend: 'auto',
  thresholds: { ...DEFAULT_THRESHOLDS },
  analyzeOnSave: false,
};

const METHODS: readonly AnalysisSettings['method'][] = ['auto', 'exact', 'finite-difference'];
const BACKENDS: readonly BackendPreference[] = ['auto', 'node', 'wasm', 'cpu'];
const TRACE_METHODS: readonly AnalysisSettings['traceMethod'][] = ['krylov-hutch++', 'hutch++', 'hutchinson'];

/**
 * Parses the `hessianSpectrum` configuration section as the client returns it
 * (`workspace/configuration`), nested objects included.
 */
export function parseSettings(section: unknown): ExtensionSettings {
  const raw = isRecord(section) ? section : {};
  const diagnostics = isRecord(raw.diagnostics) ? raw.diagnostics : {};
  const defaults = DEFAULT_EXTENSION_SETTINGS;

  const analysis: AnalysisSettings = {
    ...DEFAULT_SETTINGS,
    samples: integerAtLeast(raw.samples, 1, DEFAULT_SETTINGS.samples),
    batchSize: integerAtLeast(raw.batchSize, 1, DEFAULT_SETTINGS.batchSize),
    topK: integerAtLeast(raw.topK, 1, DEFAULT_SETTINGS.topK),
    lanczosSteps: integerAtLeast(raw.lanczosSteps, 2, DEFAULT_SETTINGS.lanczosSteps),
    densityRuns: integerAtLeast(raw.densityRuns, 1, DEFAULT_SETTINGS.densityRuns),
    densitySteps: integerAtLeast(raw.densitySteps, 2, DEFAULT_SETTINGS.densitySteps),
    traceProbes: integerAtLeast(raw.traceProbes, 1, DEFAULT_SETTINGS.traceProbes),
    slicePoints: integerAtLeast(raw.slicePoints, 0, DEFAULT_SETTINGS.slicePoints),
    layerSteps: integerAtLeast(raw.layerSteps, 2, DEFAULT_SETTINGS.layerSteps),
    traceMethod: oneOf(raw.traceMethod, TRACE_METHODS, DEFAULT_SETTINGS.traceMethod),
    method: oneOf(raw.method, METHODS, DEFAULT_SETTINGS.method),
    seed: integerAtLeast(raw.seed, 0, DEFAULT_SETTINGS.seed),
    workers: integerAtLeast(raw.workers, 0, DEFAULT_SETTINGS.workers),
  };

  return {
    analysis,
    backend: oneOf(raw.backend, BACKENDS, defaults.backend),
    thresholds: {
      sharpMinimumLambdaMax: numberAtLeast(diagnostics.sharpMinimumThreshold, 0, DEFAULT_THRESHOLDS.sharpMinimumLambdaMax),
      negativeCurvatureTolerance: shareOrDefault(diagnostics.negativeCurvatureTolerance, DEFAULT_THRESHOLDS.negativeCurvatureTolerance),
      negativeMassThreshold: shareOrDefault(diagnostics.negativeMassThreshold, DEFAULT_THRESHOLDS.negativeMassThreshold),
      chanceAccuracyMargin: shareOrDefault(diagnostics.chanceAccuracyMargin, DEFAULT_THRESHOLDS.chanceAccuracyMargin),
    },
    analyzeOnSave: typeof raw.analyzeOnSave === 'boolean' ? raw.analyzeOnSave : defaults.analyzeOnSave,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integerAtLeast(value: unknown, minimum: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= minimum ? value : fallback;
}

function numberAtLeast(value: unknown, minimum: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum ? value : fallback;
}

function shareOrDefault(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
