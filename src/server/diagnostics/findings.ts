/**
 * Findings of a report that deserve a diagnostic, independent of where the
 * diagnostic is shown. Each finding carries the numbers, why they matter and
 * what to try, and a stable code that the diagnostics page explains.
 */

import type { LayerCurvature, Report } from '../../engine/report';
import { formatShare, formatValue } from '../numberFormat';
import type { DiagnosticThresholds } from '../settings';

export const DiagnosticCodes = {
  sharpMinimum: 'hessian.sharp-minimum',
  negativeCurvature: 'hessian.negative-curvature',
  chanceAccuracy: 'hessian.chance-accuracy',
  analysisFailed: 'hessian.analysis-failed',
} as const;

export type DiagnosticCode = (typeof DiagnosticCodes)[keyof typeof DiagnosticCodes];

export type FindingSeverity = 'warning' | 'information';

export interface Finding {
  code: DiagnosticCode;
  severity: FindingSeverity;
  message: string;
}

/** Largest eigenvalue of the report, or null when the eigenvalue phase produced none. */
export function lambdaMaxOf(report: Report): number | null {
  return report.eigenvalues.top.length > 0 ? report.eigenvalues.top[0] : null;
}

/** Smallest eigenvalue of the report, or null. */
export function lambdaMinOf(report: Report): number | null {
  return report.eigenvalues.bottom.length > 0 ? report.eigenvalues.bottom[0] : null;
}

/** Findings about the whole model, shown on the model file. */
export function modelFindings(report: Report, thresholds: DiagnosticThresholds): Finding[] {
  const findings: Finding[] = [];
  const lambdaMax = lambdaMaxOf(report);
  const lambdaMin = lambdaMinOf(report);

  if (lambdaMax !== null && thresholds.sharpMinimumLambdaMax > 0 && lambdaMax > thresholds.sharpMinimumLambdaMax) {
    findings.push({
      code: DiagnosticCodes.sharpMinimum,
      severity: 'information',
      message:
        `Sharp minimum: λmax = ${formatValue(lambdaMax)} is above the threshold ${formatValue(thresholds.sharpMinimumLambdaMax)}. ` +
        'Sharp minima tend to generalise worse and only tolerate small steps. ' +
        'Try a smaller learning rate or a warm-up, weight decay, or sharpness-aware minimization (SAM).',
    });
  }

  const learningRate = report.learningRate.value;
  if (lambdaMax !== null && learningRate !== null) {
    const unstable = learningRateFinding(lambdaMax, learningRate, 'the training configuration');
    if (unstable !== null) {
      findings.push(unstable);
    }
  }

  const negative = negativeCurvatureFinding(lambdaMax, lambdaMin, report.density.negativeMass, thresholds, 'the model');
  if (negative !== null) {
    findings.push(negative);
  }

  if (report.accuracy !== null && report.chanceAccuracy !== null && report.accuracy <= report.chanceAccuracy + thresholds.chanceAccuracyMargin) {
    findings.push({
      code: DiagnosticCodes.chanceAccuracy,
      severity: 'warning',
      message:
        `Accuracy at chance level: ${formatShare(report.accuracy)} on ${report.data.samples} samples of the linked data, ` +
        `where guessing gives ${formatShare(report.chanceAccuracy)}. ` +
        'The data, the labels or their preprocessing most likely do not match the model, so the curvature describes the wrong problem. ' +
        'Check the label column or labels file, the class order, and the input scaling (for instance [0, 1] against [0, 255]).',
    });
  }
  return findings;
}

/**
 * Returns the finding for a learning rate above 2/λmax, or null when the rate is
 * below it. 2/λmax is the largest step at which plain gradient descent on a
 * quadratic with curvature λmax is stable.
 */
export function learningRateFinding(lambdaMax: number, learningRate: number, source: string): Finding | null {
  if (!(lambdaMax > 0) || !(learningRate > 2 / lambdaMax)) {
    return null;
  }
  return {
    code: DiagnosticCodes.sharpMinimum,
    severity: 'warning',
    message:
      `λmax = ${formatValue(lambdaMax)} is above 2/learning rate = ${formatValue(2 / learningRate)} ` +
      `(learning rate ${formatValue(learningRate)} from ${source}). ` +
      'Plain gradient descent with this step is not stable along the top eigenvector; it oscillates or diverges there. ' +
      `Try a learning rate below 2/λmax = ${formatValue(2 / lambdaMax)}, or an adaptive optimizer with a warm-up.`,
  };
}

/** Finding for curvature that marks a saddle point or unconverged parameters; null when there is none. */
export function negativeCurvatureFinding(
  lambdaMax: number | null,
  lambdaMin: number | null,
  negativeMass: number | null,
  thresholds: DiagnosticThresholds,
  subject: string,
): Finding | null {
  const scale = lambdaMax !== null ? Math.abs(lambdaMax) : null;
  const belowTolerance = lambdaMin !== null && scale !== null && lambdaMin < -thresholds.negativeCurvatureTolerance * scale;
  const massAbove = negativeMass !== null && negativeMass > thresholds.negativeMassThreshold;
  if (!belowTolerance && !massAbove) {
    return null;
  }

  const ratio = lambdaMin !== null && scale !== null && scale > 0 ? ` (${formatShare(Math.abs(lambdaMin) / scale)} of |λmax|)` : '';
  return {
    code: DiagnosticCodes.negativeCurvature,
    severity: 'warning',
    message:
      `Negative curvature in ${subject}: λmin = ${formatValue(lambdaMin)}${ratio}, negative spectral mass ${formatShare(negativeMass)}. ` +
      'A minimum has no negative eigenvalues, so the parameters sit at a saddle point or have not converged. ' +
      'Train longer or check the learning-rate schedule; if the model is meant to be trained, check that the right weights were saved.',
  };
}

/** Findings about one layer's block of the Hessian, shown at the layer's entry and at its name in scripts. */
export function layerFindings(layer: LayerCurvature, thresholds: DiagnosticThresholds): Finding[] {
  const findings: Finding[] = [];
  if (layer.lambdaMax !== null && thresholds.sharpMinimumLambdaMax > 0 && layer.lambdaMax > thresholds.sharpMinimumLambdaMax) {
    findings.push({
      code: DiagnosticCodes.sharpMinimum,
      severity: 'information',
      message:
        `Sharp layer ${layer.name}: λmax of its block = ${formatValue(layer.lambdaMax)}, above the threshold ${formatValue(thresholds.sharpMinimumLambdaMax)}. ` +
        'The loss is most sensitive to this layer’s weights, which limits the stable step size. ' +
        'Try a smaller learning rate for this layer, normalization before it, or weight decay.',
    });
  }
  const negative = negativeCurvatureFinding(layer.lambdaMax, layer.lambdaMin, layer.negativeMass, thresholds, `layer ${layer.name}`);
  if (negative !== null) {
    findings.push(negative);
  }
  return findings;
}
