/**
 * Text and percentages of the progress notification, kept free of `vscode` so
 * that tests run them without an editor.
 */

import type { AnalysisPhase, ProgressEvent } from '../engine/report';

/** Phases in the order an analysis runs them, as the report schema lists them. */
export const PHASE_ORDER: readonly AnalysisPhase[] = ['loading', 'verifying', 'eigenvalues', 'trace', 'density', 'layers', 'slice'];

const PHASE_LABELS: Record<AnalysisPhase, string> = {
  loading: 'Loading the model and data',
  verifying: 'Verifying the Hessian-vector product',
  eigenvalues: 'Extreme eigenvalues (λmax, λmin)',
  trace: 'Trace',
  density: 'Spectral density',
  layers: 'Per-layer curvature',
  slice: 'Loss along the top eigenvector',
};

/** Formats one line for the notification: the phase, its count and the engine's status text. */
export function progressMessage(event: ProgressEvent): string {
  const label = PHASE_LABELS[event.phase] ?? event.phase;
  const count = event.total > 0 ? ` (${Math.min(event.done, event.total)}/${event.total})` : '';
  const detail = event.message !== undefined && event.message !== '' ? ` · ${event.message}` : '';
  return `${label}${count}${detail}`;
}

/**
 * Share of the whole analysis done, in percent: each phase counts the same,
 * and a phase contributes its done/total. The phases differ in cost, so this
 * is an estimate; it only serves the progress bar.
 */
export function overallPercent(event: ProgressEvent): number {
  const index = PHASE_ORDER.indexOf(event.phase);
  if (index < 0) {
    return 0;
  }
  const withinPhase = event.total > 0 ? Math.min(Math.max(event.done / event.total, 0), 1) : 0;
  return ((index + withinPhase) / PHASE_ORDER.length) * 100;
}
