import type { Report, ReportWarning } from '../report';

/** Accuracy within this margin of chance counts as chance level. */
export const CHANCE_ACCURACY_MARGIN = 0.05;

/**
 * Largest |eigenvalue| at which the Hessian counts as zero. A saturated
 * softmax or sigmoid gives products of exactly 0 or of float32 underflow
 * size (about 1e-38), far below any curvature a trained model shows.
 * NOTE: a model trained on inputs of tiny scale could have a real Hessian
 * this small, and would then get this warning wrongly.
 */
export const ZERO_CURVATURE_LEVEL = 1e-12;

/** Facts about the run that the report alone does not show. */
export interface RunFacts {
  /** Requested HVP method. */
  requestedMethod: Report['settings']['method'];
  /** Layers whose second derivatives no test covers, as `name (Class)`. */
  unverifiedLayers: string[];
  /** Whether the model has ReLU-like activations or max pooling, whose kinks spoil finite differences. */
  piecewiseLinear: boolean;
}

/**
 * Collects the findings worth a warning: results that may mislead (a model at
 * chance accuracy, unconverged eigenvalues, a fallback to finite differences,
 * a learning rate beyond the stability bound).
 */
export function collectWarnings(report: Omit<Report, 'warnings' | 'notes'>, facts: RunFacts): ReportWarning[] {
  const warnings: ReportWarning[] = [];

  if (report.accuracy !== null && report.chanceAccuracy !== null && report.accuracy <= report.chanceAccuracy + CHANCE_ACCURACY_MARGIN) {
    warnings.push({
      code: 'chance-accuracy',
      message:
        `The model is at chance level on these samples (accuracy ${percent(report.accuracy)}, chance ${percent(report.chanceAccuracy)}). ` +
        'Check that the data, labels and preprocessing (for instance the pixel scale) match the training data: ' +
        'the Hessian of a model at chance level says little about the trained minimum.',
    });
  }

  if (report.hvp.method === 'finite-difference' && facts.requestedMethod !== 'finite-difference') {
    warnings.push({
      code: 'hvp-fallback',
      message: `Hessian-vector products use finite differences, which are less accurate near ReLU and max-pooling kinks. ${report.hvp.reason}`,
    });
  }

  if (report.hvp.method === 'finite-difference' && facts.requestedMethod === 'finite-difference' && facts.piecewiseLinear) {
    warnings.push({
      code: 'finite-differences-at-kinks',
      message:
        'Finite differences were requested for a model with ReLU-like activations or max pooling. Their steps cross kinks, ' +
        'where the second derivative is not defined, which can inflate the eigenvalues of either sign many times over. ' +
        'Use --method auto, which verifies exact products and uses them.',
    });
  }

  if (facts.unverifiedLayers.length > 0) {
    warnings.push({
      code: 'unverified-layers',
      message: `No test covers the second derivatives of ${facts.unverifiedLayers.join(', ')}; the products were checked against finite differences on this model only.`,
    });
  }

  if (!report.eigenvalues.converged) {
    warnings.push({
      code: 'eigenvalues-not-converged',
      message:
        `The extreme eigenvalues did not reach the relative tolerance ${report.settings.tolerance} in ${report.eigenvalues.iterations} iterations; ` +
        'their residuals are in the report. Raise --lanczos-steps for tighter values.',
    });
  }

  const extremes = [...report.eigenvalues.top, ...report.eigenvalues.bottom];
  const zeroCurvature = extremes.length > 0 && extremes.every((value) => Math.abs(value) <= ZERO_CURVATURE_LEVEL);
  if (zeroCurvature) {
    // Mean absolute error has no second derivative away from its kink, so with piecewise-linear layers a zero Hessian is the truth.
    const cause =
      report.loss === 'mean_absolute_error'
        ? 'Mean absolute error has a zero second derivative wherever it is smooth, so a model whose layers are linear or ' +
          'piecewise linear (ReLU) has a zero Hessian under it; curvature comes only from smooth activations.'
        : 'This happens when the outputs are saturated (a softmax or sigmoid at exactly 0 or 1), most often because the inputs ' +
          'are not scaled as in training (for instance pixels in 0–255 for a model trained on 0–1).';
    warnings.push({
      code: 'zero-curvature',
      message: `The Hessian is zero on these samples: the loss does not change to second order in any direction of the weights. ${cause}`,
    });
  }

  // A zero Hessian stops Lanczos after one step, which the zero-curvature warning already explains.
  const topRequested = Math.min(report.settings.topK, report.model.numParameters);
  if (report.eigenvalues.method === 'power' && report.eigenvalues.top.length < topRequested) {
    warnings.push({
      code: 'power-incomplete',
      message:
        `Power iteration found ${report.eigenvalues.top.length} of the ${topRequested} largest eigenvalues: it finds eigenvalues by magnitude, ` +
        `and negative ones of larger magnitude used up its ${2 * topRequested} pairs. ` +
        'Lanczos (--method-eigen lanczos, the default) finds both ends of the spectrum.',
    });
  }

  if (report.eigenvalues.breakdown && !zeroCurvature) {
    const steps = report.eigenvalues.iterations;
    warnings.push({
      code: 'lanczos-breakdown',
      message:
        `Lanczos stopped after ${steps} ${steps === 1 ? 'step' : 'steps'} on an invariant subspace: the Hessian has at most that many ` +
        'distinct eigenvalues visible from the starting vector, and the values found are exact up to rounding.',
    });
  }

  const unresolved = report.layers.filter(isTraceUnresolved);
  if (unresolved.length > 0) {
    const listed = unresolved.map((layer) => `${layer.name} (${formatTrace(layer.trace as number, layer.traceStandardError as number)})`).join(', ');
    warnings.push({
      code: 'layer-trace-unresolved',
      message:
        `The trace of ${listed} is not resolved: its standard error is as large as the estimate, or the estimate lies far outside ` +
        'the layer parameters times its extreme eigenvalues. Raise --trace-probes; very large weights elsewhere in the model also ' +
        'make the per-layer estimates noisy.',
    });
  }

  const learningRate = report.learningRate;
  if (learningRate.value !== null && learningRate.maxStableGradientDescent !== null && learningRate.value > learningRate.maxStableGradientDescent) {
    warnings.push({
      code: 'learning-rate-above-stability',
      message:
        `The learning rate ${learningRate.value} exceeds 2/λmax = ${learningRate.maxStableGradientDescent.toPrecision(3)}, ` +
        `the largest step at which plain gradient descent is stable here${learningRate.optimizer && learningRate.optimizer !== 'SGD' ? ` (${learningRate.optimizer} rescales steps, so this bound applies to it only roughly)` : ''}.`,
    });
  }

  return warnings;
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

function formatTrace(trace: number, standardError: number): string {
  return `${trace.toPrecision(3)} ± ${standardError.toPrecision(2)}`;
}

/**
 * True when a layer's trace estimate is uninformative: a standard error as large as
 * the estimate leaves even its sign open, and a trace beyond twice the layer's
 * parameter count times its largest |eigenvalue| cannot be the block's. The
 * factor 2 allows for Lanczos extremes that fall short of the true ones.
 */
function isTraceUnresolved(layer: Report['layers'][number]): boolean {
  if (layer.trace === null || layer.traceStandardError === null) {
    return false;
  }
  const noisy = layer.traceStandardError > 0 && layer.traceStandardError >= Math.abs(layer.trace);
  const extreme = Math.max(Math.abs(layer.lambdaMax ?? 0), Math.abs(layer.lambdaMin ?? 0));
  const impossible = extreme > 0 && Math.abs(layer.trace) > 2 * layer.numParameters * extreme;
  return noisy || impossible;
}
