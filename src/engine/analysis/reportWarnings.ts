import type { Report, ReportWarning } from '../report';

/** Accuracy within this margin of chance counts as chance level. */
export const CHANCE_ACCURACY_MARGIN = 0.05;

/** Facts about the run that the report alone does not show. */
export interface RunFacts {
  /** Requested HVP method. */
  requestedMethod: Report['settings']['method'];
  /** Layers whose second derivatives no test covers, as `name (Class)`. */
  unverifiedLayers: string[];
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

  if (report.eigenvalues.breakdown) {
    warnings.push({
      code: 'lanczos-breakdown',
      message:
        `Lanczos stopped after ${report.eigenvalues.iterations} steps on an invariant subspace: the Hessian has at most that many ` +
        'distinct eigenvalues visible from the starting vector, and the values found are exact up to rounding.',
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
