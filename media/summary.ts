/**
 * The summary figures of a report (λmax, λmin, trace, negative mass, condition
 * estimate, stable step, loss, accuracy, HVP, backend, samples, time) as plain data.
 * Pure functions: the DOM code in main.ts renders them, and the Node tests check
 * them directly.
 */
import type { PartialReport } from '../src/engine/api';
import type { AnalysisPhase, LearningRateSummary } from '../src/engine/report';
import { formatCount, formatDuration, formatNumber, formatPercent, formatWithError, MISSING } from './format';

/** Phases in the order the engine runs them, with the name the view shows. */
export const PHASES: ReadonlyArray<{ phase: AnalysisPhase; label: string }> = [
  { phase: 'loading', label: 'Loading model and data' },
  { phase: 'verifying', label: 'Verifying the HVP' },
  { phase: 'eigenvalues', label: 'Extreme eigenvalues' },
  { phase: 'trace', label: 'Trace' },
  { phase: 'density', label: 'Spectral density' },
  { phase: 'layers', label: 'Per-layer curvature' },
  { phase: 'slice', label: 'Loss slice' },
];

/** Returns the display name of a phase. */
export function phaseLabel(phase: AnalysisPhase): string {
  return PHASES.find((entry) => entry.phase === phase)?.label ?? phase;
}

/** Whether a figure has a value, waits for a phase of the running analysis, or was not computed. */
export type FigureState = 'value' | 'pending' | 'missing';

export interface SummaryFigure {
  /** Stable identifier, used as the element's `data-figure` attribute. */
  id: string;
  label: string;
  value: string;
  detail: string;
  state: FigureState;
  /** Set when the value deserves the warning colour. */
  flagged: boolean;
}

export interface ConditionEstimate {
  /** Null when the extreme eigenvalues are unknown or λmax ≤ 0. */
  value: number | null;
  /** `condition number` for a positive definite Hessian, else `|λmax / λmin|`. */
  label: string;
  detail: string;
}

/**
 * Estimates the conditioning from the extreme eigenvalues. Only a positive definite
 * Hessian has a condition number λmax/λmin. Where λmin < 0 the Hessian is
 * indefinite, and |λmax/λmin| is shown instead, as the ratio of the largest positive
 * to the most negative curvature.
 */
export function estimateCondition(lambdaMax: number | null, lambdaMin: number | null): ConditionEstimate {
  if (lambdaMax === null || lambdaMin === null) {
    return { value: null, label: 'condition estimate', detail: 'needs λmax and λmin' };
  }
  if (lambdaMax <= 0) {
    return { value: null, label: 'condition estimate', detail: 'λmax ≤ 0: no positive curvature to compare' };
  }
  if (lambdaMin > 0) {
    return { value: lambdaMax / lambdaMin, label: 'condition number', detail: 'λmax / λmin; the Hessian is positive definite' };
  }
  if (lambdaMin === 0) {
    return { value: Infinity, label: 'condition number', detail: 'λmin = 0: the Hessian is singular' };
  }
  return {
    value: Math.abs(lambdaMax / lambdaMin),
    label: '|λmax / λmin|',
    detail: 'λmin < 0, so the Hessian is indefinite and has no condition number; this is the ratio of the largest positive to the most negative curvature',
  };
}

export interface StabilityEstimate {
  /** 2/λmax, the largest stable step of plain gradient descent; null when λmax ≤ 0 or unknown. */
  limit: number | null;
  /** Learning rate divided by the limit; above 1 plain gradient descent diverges along the top eigenvector. */
  ratio: number | null;
  detail: string;
}

/** Compares the recorded learning rate with 2/λmax. */
export function describeStability(learningRate: LearningRateSummary | undefined, lambdaMax: number | null): StabilityEstimate {
  const limit =
    learningRate?.maxStableGradientDescent ?? (lambdaMax !== null && lambdaMax > 0 ? 2 / lambdaMax : null);
  if (limit === null) {
    const detail = lambdaMax !== null && lambdaMax <= 0 ? 'λmax ≤ 0: curvature sets no step limit' : 'needs λmax';
    return { limit: null, ratio: null, detail };
  }
  if (learningRate === undefined) {
    return { limit, ratio: null, detail: 'this report has no learning-rate section' };
  }
  if (learningRate.value === null) {
    return { limit, ratio: null, detail: 'the model file records no learning rate to compare' };
  }

  const ratio = learningRate.value / limit;
  const optimizer = learningRate.optimizer;
  let detail = `learning rate ${formatNumber(learningRate.value)}${optimizer ? ` (${optimizer})` : ''} is ${formatNumber(ratio, 3)}× this limit`;
  if (ratio > 1) {
    detail += ': plain gradient descent would diverge along the top eigenvector';
  }
  if (optimizer && optimizer.toLowerCase() !== 'sgd') {
    detail += `; the limit is for plain gradient descent, and ${optimizer} rescales each parameter's step`;
  }
  return { limit, ratio, detail };
}

function pendingOrMissing(id: string, label: string, running: boolean, phase: AnalysisPhase): SummaryFigure {
  return running
    ? { id, label, value: '…', detail: `pending: ${phaseLabel(phase)}`, state: 'pending', flagged: false }
    : { id, label, value: MISSING, detail: 'not in this report', state: 'missing', flagged: false };
}

function figure(id: string, label: string, value: string, detail: string, flagged = false): SummaryFigure {
  return { id, label, value, detail, state: value === MISSING ? 'missing' : 'value', flagged };
}

function eigenvalueDetail(residual: number | undefined, report: PartialReport): string {
  const eigenvalues = report.eigenvalues;
  if (!eigenvalues) {
    return '';
  }
  const parts = [`residual ≤ ${formatNumber(residual ?? null, 2)}`, `${eigenvalues.method}, ${eigenvalues.iterations} iterations`];
  if (!eigenvalues.converged) {
    parts.push('not converged');
  }
  if (eigenvalues.breakdown) {
    parts.push('Lanczos breakdown');
  }
  return parts.join('; ');
}

/** Returns λmax and λmin of a report, or null for each one that is missing. */
export function extremeEigenvalues(report: PartialReport): { lambdaMax: number | null; lambdaMin: number | null } {
  return {
    lambdaMax: report.eigenvalues?.top[0] ?? null,
    lambdaMin: report.eigenvalues?.bottom[0] ?? null,
  };
}

/**
 * Lists the summary figures of a report. With `running` set, a figure whose field
 * has not arrived is pending with the phase that computes it; otherwise it is
 * missing.
 */
export function summarizeReport(report: PartialReport, running: boolean): SummaryFigure[] {
  const figures: SummaryFigure[] = [];
  const { lambdaMax, lambdaMin } = extremeEigenvalues(report);

  if (report.eigenvalues) {
    const eigenvalues = report.eigenvalues;
    figures.push(figure('lambda-max', 'λmax', formatNumber(lambdaMax), eigenvalueDetail(eigenvalues.topResiduals[0], report), !eigenvalues.converged));
    figures.push(
      figure('lambda-min', 'λmin', formatNumber(lambdaMin), eigenvalueDetail(eigenvalues.bottomResiduals[0], report), lambdaMin !== null && lambdaMin < 0),
    );
  } else {
    figures.push(pendingOrMissing('lambda-max', 'λmax', running, 'eigenvalues'));
    figures.push(pendingOrMissing('lambda-min', 'λmin', running, 'eigenvalues'));
  }

  if (report.trace) {
    const trace = report.trace;
    figures.push(figure('trace', 'Trace', formatWithError(trace.estimate, trace.standardError), `± standard error; ${trace.method}, ${trace.probes} products`));
  } else {
    figures.push(pendingOrMissing('trace', 'Trace', running, 'trace'));
  }

  if (report.density) {
    const negativeMass = report.density.negativeMass;
    figures.push(figure('negative-mass', 'Negative mass', formatPercent(negativeMass), 'share of spectral weight below −tolerance·max|λ|', negativeMass > 0.01));
  } else {
    figures.push(pendingOrMissing('negative-mass', 'Negative mass', running, 'density'));
  }

  if (report.eigenvalues) {
    const condition = estimateCondition(lambdaMax, lambdaMin);
    figures.push(figure('condition', condition.label, formatNumber(condition.value, 3), condition.detail));
  } else {
    figures.push(pendingOrMissing('condition', 'Condition estimate', running, 'eigenvalues'));
  }

  if (report.eigenvalues || report.learningRate) {
    const stability = describeStability(report.learningRate, lambdaMax);
    const detail = running && !report.learningRate ? 'comparison with the learning rate pending' : stability.detail;
    figures.push(figure('stable-step', '2/λmax (stable GD step)', formatNumber(stability.limit), detail, stability.ratio !== null && stability.ratio > 1));
  } else {
    figures.push(pendingOrMissing('stable-step', '2/λmax (stable GD step)', running, 'eigenvalues'));
  }

  if (report.lossValue !== undefined) {
    figures.push(figure('loss', 'Loss', formatNumber(report.lossValue), report.loss ?? ''));
  } else {
    figures.push(pendingOrMissing('loss', 'Loss', running, 'loading'));
  }

  if (report.accuracy !== undefined) {
    const chance = report.chanceAccuracy ?? null;
    let detail = '';
    if (report.accuracy === null) {
      detail = 'not a classifier';
    } else if (chance !== null) {
      detail = `chance ${formatPercent(chance)}`;
    }
    figures.push(figure('accuracy', 'Accuracy', formatPercent(report.accuracy), detail));
  } else {
    figures.push(pendingOrMissing('accuracy', 'Accuracy', running, 'loading'));
  }

  if (report.hvp) {
    const hvp = report.hvp;
    const detail = `verification error ${formatNumber(hvp.verificationError, 2)}; ${hvp.count} products. ${hvp.reason}`;
    figures.push(figure('hvp', 'HVP method', hvp.method, detail, hvp.method !== 'exact'));
  } else {
    figures.push(pendingOrMissing('hvp', 'HVP method', running, 'verifying'));
  }

  if (report.backend !== undefined) {
    const seed = report.seed !== undefined ? `seed ${report.seed}, ` : '';
    figures.push(figure('backend', 'Backend', report.backend, `${seed}${report.mode ?? 'inference'} mode`));
  } else {
    figures.push(pendingOrMissing('backend', 'Backend', running, 'loading'));
  }

  if (report.data) {
    const data = report.data;
    figures.push(figure('samples', 'Samples', formatCount(data.samples), `of ${formatCount(data.totalSamples)} in the data file`));
  } else {
    figures.push(pendingOrMissing('samples', 'Samples', running, 'loading'));
  }

  if (report.model) {
    figures.push(figure('parameters', 'Parameters', formatCount(report.model.numParameters), `${report.model.format}, output ${report.model.outputName}`));
  } else {
    figures.push(pendingOrMissing('parameters', 'Parameters', running, 'loading'));
  }

  if (report.elapsedMs !== undefined) {
    figures.push(figure('elapsed', 'Elapsed time', formatDuration(report.elapsedMs), report.engineVersion ? `engine ${report.engineVersion}` : ''));
  } else {
    figures.push(
      running
        ? { id: 'elapsed', label: 'Elapsed time', value: '…', detail: 'running', state: 'pending', flagged: false }
        : figure('elapsed', 'Elapsed time', MISSING, 'not in this report'),
    );
  }

  return figures;
}
