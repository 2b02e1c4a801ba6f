import packageJson from '../../package.json';
import type { AnalysisHooks, AnalysisRequest } from './api';
import { assertFiniteLoss } from './analysis/finiteLoss';
import { computeLayerCurvature } from './analysis/layerCurvature';
import { computeLossSlice } from './analysis/lossSlice';
import { hessianOperator } from './analysis/operators';
import { PhaseTracker } from './analysis/phaseTracker';
import { disposePreparedAnalysis, prepareAnalysis, problemData, type PreparedAnalysis } from './analysis/prepareAnalysis';
import { collectWarnings } from './analysis/reportWarnings';
import {
  chooseBasisPrecision,
  computeDensity,
  computeExtremeEigenvalues,
  computeTrace,
  densityProducts,
  NEGATIVE_TOLERANCE,
} from './analysis/spectrumPhases';
import { describeBlockChecks, verifyBlockProducts } from './analysis/verifyBlockProducts';
import { decideProductMethod } from './analysis/verifyProducts';
import { hasPiecewiseLinearLayers } from './analysis/verificationSubset';
import { computeAccuracy } from './data';
import { throwIfCancelled } from './errors';
import { HessianProducts } from './hvp/hessianProducts';
import { layoutParameters } from './hvp/parameters';
import type { ProductSource } from './hvp/productSource';
import { createProductSource } from './parallel/createProductSource';
import { REPORT_SCHEMA_VERSION, type Report } from './report';
import { findUnverifiedLayers, installGradientFixes, runSelfTest, selectBackend, type BackendSelection } from './tfjs';

/** Version of the engine, written into every report and part of every cache key. */
export const ENGINE_VERSION: string = packageJson.version;

export { NEGATIVE_TOLERANCE };

/** Relative tolerance that marks a layer block's extreme eigenvalues as converged. */
const LAYER_TOLERANCE = 1e-2;

/**
 * Estimates the Hessian spectrum of a model's loss on a dataset: extreme
 * eigenvalues, trace, spectral density, per-layer curvature and the loss along
 * the top eigenvector. The same request, files, seed and worker count give the
 * same report.
 *
 * @throws InputError for bad input (the message names the file and the fix),
 *   UsageError for an impossible option, CancelledError when `hooks.signal`
 *   aborts.
 */
export async function analyzeModel(request: AnalysisRequest, hooks: AnalysisHooks = {}): Promise<Report> {
  const started = Date.now();
  const tracker = new PhaseTracker(hooks);

  tracker.report(0, 3, 'backend');
  const backend = await selectBackend(request.backend ?? 'auto');
  installGradientFixes();
  const selfTest = runSelfTest();
  throwIfCancelled(hooks.signal);

  tracker.report(1, 3, 'model and data');
  const prepared = await prepareAnalysis(request);
  let source: ProductSource | null = null;
  try {
    const created = await createProductSource(prepared.model, problemData(prepared.fitted), {
      workers: prepared.settings.workers,
      batchSize: prepared.settings.batchSize,
      backend: backend.name,
      modelPath: request.modelPath,
      outputIndex: prepared.outputIndex,
      loss: prepared.loss,
    });
    source = created.source;
    throwIfCancelled(hooks.signal);
    const runNotes = created.note === null ? [] : [created.note];
    return await runPhases({ request, hooks, tracker, backend, selfTestPassed: selfTest.passed, prepared, source, started, runNotes });
  } finally {
    await source?.dispose();
    disposePreparedAnalysis(prepared);
  }
}

interface AnalysisContext {
  request: AnalysisRequest;
  hooks: AnalysisHooks;
  tracker: PhaseTracker;
  backend: BackendSelection;
  selfTestPassed: boolean;
  prepared: PreparedAnalysis;
  source: ProductSource;
  started: number;
  /** Notes from setting up the run, such as a lowered worker count. */
  runNotes: string[];
}

async function runPhases(context: AnalysisContext): Promise<Report> {
  const { request, hooks, tracker, backend, prepared, source } = context;
  const { settings, fitted, loaded } = prepared;
  const layout = layoutParameters(prepared.model);
  const products = new HessianProducts(source, 'exact');
  const runOptions = { signal: hooks.signal, onStep: tracker.onStep };

  tracker.report(2, 3, 'loss and accuracy');
  const evaluation = await source.evaluate();
  await assertFiniteLoss(evaluation.loss, request.modelPath, prepared.dataSpec.path, layout, () => products.parameters());
  const accuracy = computeAccuracy(evaluation.predictions, fitted.targets, source.samples, prepared.loss);
  tracker.publish({
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
      categories: prepared.categories,
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

  // Exact products are used only where they agree with finite differences.
  tracker.enter('verifying', 1);
  const unverified = findUnverifiedLayers(prepared.model);
  const decision = await decideProductMethod(prepared, products, context.selfTestPassed, unverified);
  const hvp = (): Report['hvp'] => ({
    method: decision.method,
    verificationError: decision.verificationError,
    reason: decision.reason,
    count: products.count,
  });
  tracker.publish({ hvp: hvp() });
  throwIfCancelled(hooks.signal);

  // A layer's restricted products are used only where they match full products.
  const blockNotes: string[] = [];
  if (settings.perLayer && decision.method === 'exact') {
    const { checks, samples } = await verifyBlockProducts(prepared, products);
    blockNotes.push(describeBlockChecks(checks, samples));
    throwIfCancelled(hooks.signal);
  }

  const operator = hessianOperator(products);
  const basisPrecision = chooseBasisPrecision(products.size, settings);

  tracker.enter('eigenvalues', Math.max(settings.lanczosSteps, settings.densitySteps));
  const extremes = await computeExtremeEigenvalues(operator, settings, basisPrecision, runOptions);
  const lambdaMax = extremes.summary.top[0] ?? null;
  tracker.publish({
    eigenvalues: extremes.summary,
    hvp: hvp(),
    learningRate: {
      value: loaded.training.learningRate,
      maxStableGradientDescent: lambdaMax !== null && lambdaMax > 0 ? 2 / lambdaMax : null,
      optimizer: loaded.training.optimizer,
    },
  });

  tracker.enter('density', densityProducts(settings, extremes.firstDensityRun));
  const { summary: density, density: densityRuns } = await computeDensity(
    operator,
    settings,
    extremes.firstDensityRun,
    basisPrecision,
    runOptions,
  );
  tracker.publish({ density, hvp: hvp() });

  tracker.enter('trace', settings.traceProbes);
  const blocks = layout.blocks.map((block) => ({ offset: block.offset, size: block.size }));
  const trace = await computeTrace(operator, settings, densityRuns.runResults[0], blocks, runOptions);
  tracker.publish({ trace: trace.summary, hvp: hvp() });

  let layers: Report['layers'] = [];
  if (settings.perLayer) {
    tracker.enter('layers', layout.blocks.length * settings.layerSteps);
    layers = await computeLayerCurvature(products, layout.blocks, trace.blockTraces, {
      steps: settings.layerSteps,
      tolerance: LAYER_TOLERANCE,
      negativeTolerance: NEGATIVE_TOLERANCE,
      seed: settings.seed,
      ...runOptions,
    });
    tracker.publish({ layers, hvp: hvp() });
  }

  let slice: Report['slice'] = null;
  if (settings.slicePoints > 0 && extremes.topVector !== null && lambdaMax !== null) {
    tracker.enter('slice', settings.slicePoints);
    slice = await computeLossSlice(products, extremes.topVector, lambdaMax, evaluation.loss, {
      points: settings.slicePoints,
      ...runOptions,
    });
  }
  tracker.finish();

  const report: Omit<Report, 'warnings' | 'notes'> = {
    ...(tracker.partial as Report),
    hvp: hvp(),
    layers,
    slice,
    createdAt: new Date().toISOString(),
    elapsedMs: Date.now() - context.started,
    phaseMs: tracker.phaseMs,
  };
  const warnings = collectWarnings(report, {
    requestedMethod: settings.method,
    unverifiedLayers: unverified.map((layer) => `${layer.layerName} (${layer.className})`),
    piecewiseLinear: hasPiecewiseLinearLayers(prepared.model),
  });
  if (prepared.lossNote !== null) {
    warnings.push({ code: 'loss-overruled', message: prepared.lossNote });
  }
  const notes = [...backend.fallbacks, ...prepared.settingNotes, ...context.runNotes, ...loaded.notes, ...fitted.notes, ...blockNotes];
  return { ...report, warnings, notes };
}
