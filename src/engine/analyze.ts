import packageJson from '../../package.json';
import type { AnalysisHooks, AnalysisRequest, PartialReport } from './api';
import { computeLayerCurvature, rademacherScale } from './analysis/layerCurvature';
import { computeLossSlice } from './analysis/lossSlice';
import { hessianOperator, recordProducts, type RecordedProduct } from './analysis/operators';
import { disposePreparedAnalysis, prepareAnalysis, problemData, type PreparedAnalysis } from './analysis/prepareAnalysis';
import { collectWarnings } from './analysis/reportWarnings';
import { computeAccuracy } from './data';
import { throwIfCancelled } from './errors';
import { LocalProductSource } from './hvp/localProductSource';
import { layoutParameters } from './hvp/parameters';
import type { ProductSource } from './hvp/productSource';
import { createProductSource } from './parallel/createProductSource';
import { HessianProducts } from './hvp/hessianProducts';
import { chooseHvpMethod, VERIFICATION_SAMPLES } from './hvp/verifyExactHvp';
import { createLossProblem, disposeProblem } from './hvp/lossProblem';
import { firstSamples, hasPiecewiseLinearLayers, PIECEWISE_LINEAR_RELATIVE_STEP } from './analysis/verificationSubset';
import { densitySummary, lanczos, lanczosEigenvalueSummary, powerEigenvalueSummary, powerIteration, spectralDensity, traceSummary, hutchPlusPlusTrace } from './linalg';
import type { LanczosResult } from './linalg/lanczos';
import { densityStartVector } from './linalg/slq';
import { findUnverifiedLayers, installGradientFixes, runSelfTest, selectBackend } from './tfjs';
import {
  REPORT_SCHEMA_VERSION,
  type AnalysisPhase,
  type EigenvalueSummary,
  type Report,
} from './report';

/** Version of the engine, written into every report and part of every cache key. */
export const ENGINE_VERSION: string = packageJson.version;

/** Relative threshold under which eigenvalue weight counts as negative curvature. */
export const NEGATIVE_TOLERANCE = 1e-3;

/** Lanczos steps per layer block and their tolerance: blocks need less precision than the whole model. */
const LAYER_STEPS = 30;
const LAYER_TOLERANCE = 1e-2;

/** Above this many bytes, Lanczos keeps its basis vectors in float32 to halve the memory. */
const FLOAT64_BASIS_LIMIT_BYTES = 1024 ** 3;

/**
 * Estimates the Hessian spectrum of a model's loss on a dataset: extreme
 * eigenvalues, trace, spectral density, per-layer curvature and the loss along
 * the top eigenvector. The same request, files and seed give the same report.
 *
 * @throws InputError for bad input (the message names the file and the fix),
 *   UsageError for an impossible option, CancelledError when `hooks.signal`
 *   aborts.
 */
export async function analyzeModel(request: AnalysisRequest, hooks: AnalysisHooks = {}): Promise<Report> {
  const started = Date.now();
  const phaseMs: Report['phaseMs'] = {};
  let phase: AnalysisPhase = 'loading';
  let phaseStarted = started;
  const enterPhase = (next: AnalysisPhase, total: number, message?: string): void => {
    finishPhase();
    phase = next;
    hooks.onProgress?.({ phase, done: 0, total, message });
  };
  const finishPhase = (): void => {
    phaseMs[phase] = (phaseMs[phase] ?? 0) + Date.now() - phaseStarted;
    phaseStarted = Date.now();
  };
  const stepper = (message?: string) => (done: number, total: number) => hooks.onProgress?.({ phase, done, total, message });
  const partial: PartialReport = {};
  const publish = (fields: PartialReport): void => {
    Object.assign(partial, fields);
    hooks.onPartialReport?.({ ...partial });
  };

  hooks.onProgress?.({ phase: 'loading', done: 0, total: 3, message: 'backend' });
  const backend = await selectBackend(request.backend ?? 'auto');
  installGradientFixes();
  const selfTest = runSelfTest();
  throwIfCancelled(hooks.signal);

  hooks.onProgress?.({ phase: 'loading', done: 1, total: 3, message: 'model and data' });
  const prepared = await prepareAnalysis(request);
  let source: ProductSource | null = null;
  try {
    source = await createProductSource(prepared.model, problemData(prepared.fitted), {
      workers: prepared.settings.workers,
      batchSize: prepared.settings.batchSize,
      backend: backend.name,
      modelPath: request.modelPath,
      outputIndex: prepared.outputIndex,
      loss: prepared.loss,
    });
    return await runPhases(prepared, source);
  } finally {
    await source?.dispose();
    disposePreparedAnalysis(prepared);
  }

  async function runPhases(prepared: PreparedAnalysis, source: ProductSource): Promise<Report> {
    const { settings, fitted, loaded } = prepared;
    const layout = layoutParameters(prepared.model);
    const products = new HessianProducts(source, 'exact');

    hooks.onProgress?.({ phase: 'loading', done: 2, total: 3, message: 'loss and accuracy' });
    const evaluation = await source.evaluate();
    const accuracy = computeAccuracy(evaluation.predictions, fitted.targets, source.samples, prepared.loss);
    publish({
      schemaVersion: REPORT_SCHEMA_VERSION,
      engineVersion: ENGINE_VERSION,
      model: {
        path: request.modelPath,
        format: loaded.format,
        numParameters: layout.size,
        outputIndex: prepared.outputIndex,
        outputName: prepared.outputName,
        numOutputs: loaded.model.outputs.length,
        inputShape: fitted.inputsShape.slice(1),
      },
      data: {
        path: prepared.dataSpec.path,
        labelsPath: prepared.dataSpec.labelsPath ?? null,
        samples: source.samples,
        totalSamples: fitted.totalSamples,
        reshapedFrom: fitted.reshapedFrom,
        reshapedTo: fitted.reshapedTo,
      },
      loss: prepared.loss,
      lossValue: evaluation.loss,
      accuracy: accuracy?.accuracy ?? null,
      chanceAccuracy: accuracy?.chanceAccuracy ?? null,
      mode: 'inference',
      backend: backend.name,
      seed: settings.seed,
      settings,
    });

    // Verification: exact products are used only where they agree with finite differences.
    enterPhase('verifying', 1);
    const unverified = findUnverifiedLayers(prepared.model);
    const verificationProblem = createLossProblem(
      prepared.model,
      prepared.loss,
      firstSamples(fitted, VERIFICATION_SAMPLES),
      settings.batchSize,
    );
    const decision = await chooseHvpMethod(new HessianProducts(new LocalProductSource(verificationProblem), 'exact'), {
      requested: settings.method,
      selfTestPassed: selfTest.passed,
      unverifiedLayerClasses: [...new Set(unverified.map((layer) => layer.className))],
      seed: settings.seed,
    });
    disposeProblem(verificationProblem);
    products.method = decision.method;
    if (decision.method === 'finite-difference' && hasPiecewiseLinearLayers(prepared.model)) {
      products.relativeStep = PIECEWISE_LINEAR_RELATIVE_STEP;
    }
    const hvp = () => ({
      method: decision.method,
      verificationError: decision.verificationError,
      reason: decision.reason,
      count: products.count,
    });
    publish({ hvp: hvp() });
    throwIfCancelled(hooks.signal);

    // Extreme eigenvalues. With Lanczos, the run also serves as the first
    // density run, so its start vector is a Rademacher vector like the others.
    // Products whose vector is a scaled Rademacher vector (trace sketch probes,
    // Lanczos start vectors) are kept: they give the per-layer traces for free.
    const probes: RecordedProduct[] = [];
    const operator = recordProducts(
      hessianOperator(products),
      (vector) => rademacherScale(vector) !== null,
      (entry) => probes.push(entry),
    );
    const basisPrecision = 8 * products.size * Math.max(settings.lanczosSteps, settings.densitySteps) > FLOAT64_BASIS_LIMIT_BYTES ? 'float32' : 'float64';
    let eigenvalues: EigenvalueSummary;
    let firstDensityRun: LanczosResult | null = null;
    let topVector: Float64Array | null = null;
    if (settings.eigenMethod === 'lanczos') {
      const steps = Math.max(settings.lanczosSteps, settings.densitySteps);
      enterPhase('eigenvalues', steps);
      firstDensityRun = await lanczos(operator, {
        maxSteps: steps,
        topK: settings.topK,
        bottomK: settings.topK,
        tolerance: settings.tolerance,
        stopWhenConverged: false,
        startVector: densityStartVector(settings.seed, 0, products.size),
        ritzVectors: settings.slicePoints > 0,
        basisPrecision,
        signal: hooks.signal,
        onStep: stepper(),
      });
      eigenvalues = lanczosEigenvalueSummary(firstDensityRun);
      topVector = firstDensityRun.top[0]?.vector ?? null;
    } else {
      enterPhase('eigenvalues', settings.topK * settings.lanczosSteps);
      const result = await powerIteration(operator, {
        topK: settings.topK,
        maxIterations: settings.lanczosSteps,
        tolerance: settings.tolerance,
        seed: settings.seed,
        signal: hooks.signal,
        onStep: stepper(),
      });
      eigenvalues = powerEigenvalueSummary(result);
      const largest = [...result.pairs].sort((a, b) => b.value - a.value)[0];
      topVector = largest?.vector ?? null;
    }
    const lambdaMax = eigenvalues.top[0] ?? null;
    publish({
      eigenvalues,
      hvp: hvp(),
      learningRate: {
        value: loaded.training.learningRate,
        maxStableGradientDescent: lambdaMax !== null && lambdaMax > 0 ? 2 / lambdaMax : null,
        optimizer: loaded.training.optimizer,
      },
    });

    // Trace by Hutch++.
    enterPhase('trace', settings.traceProbes);
    const traceEstimate = await hutchPlusPlusTrace(operator, {
      budget: settings.traceProbes, seed: settings.seed, signal: hooks.signal, onStep: stepper(),
    });
    publish({ trace: traceSummary(traceEstimate), hvp: hvp() });

    // Density by stochastic Lanczos quadrature, reusing the extreme-eigenvalue run.
    const extraRuns = firstDensityRun === null ? settings.densityRuns : settings.densityRuns - 1;
    enterPhase('density', extraRuns * settings.densitySteps);
    const density = await spectralDensity(operator, {
      runs: settings.densityRuns,
      steps: settings.densitySteps,
      seed: settings.seed,
      negativeTolerance: NEGATIVE_TOLERANCE,
      basisPrecision,
      firstRun: firstDensityRun ?? undefined,
      signal: hooks.signal,
      onStep: stepper(),
    });
    publish({ density: densitySummary(density), hvp: hvp() });

    // Per-layer blocks.
    let layers: Report['layers'] = [];
    if (settings.perLayer) {
      enterPhase('layers', layout.blocks.length * LAYER_STEPS);
      layers = await computeLayerCurvature(products, layout.blocks, probes, {
        steps: LAYER_STEPS,
        tolerance: LAYER_TOLERANCE,
        negativeTolerance: NEGATIVE_TOLERANCE,
        seed: settings.seed,
        signal: hooks.signal,
        onStep: stepper(),
      });
      publish({ layers, hvp: hvp() });
    }

    // Loss along the top eigenvector.
    let slice: Report['slice'] = null;
    if (settings.slicePoints > 0 && topVector !== null && lambdaMax !== null) {
      enterPhase('slice', settings.slicePoints);
      slice = await computeLossSlice(products, topVector, lambdaMax, evaluation.loss, {
        points: settings.slicePoints,
        signal: hooks.signal,
        onStep: stepper(),
      });
    }
    finishPhase();

    const report: Omit<Report, 'warnings' | 'notes'> = {
      ...(partial as Report),
      hvp: hvp(),
      layers,
      slice,
      createdAt: new Date().toISOString(),
      elapsedMs: Date.now() - started,
      phaseMs,
    };
    const warnings = collectWarnings(report, {
      requestedMethod: settings.method,
      unverifiedLayers: unverified.map((layer) => `${layer.layerName} (${layer.className})`),
    });
    if (prepared.lossNote !== null) {
      warnings.push({ code: 'loss-overruled', message: prepared.lossNote });
    }
    const notes = [...backend.fallbacks, ...loaded.notes, ...fitted.notes];
    return { ...report, warnings, notes };
  }
}
