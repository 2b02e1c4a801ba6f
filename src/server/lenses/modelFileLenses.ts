import * as path from 'node:path';

import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import type { LayerCurvature, Report } from '../../engine/report';
import { Commands } from '../../protocol';
import { lambdaMaxOf, lambdaMinOf } from '../diagnostics/findings';
import type { ModelRecord } from '../modelRecords';
import { formatShare, formatValue } from '../numberFormat';
import { findLayerLocations } from './layerLocations';

const PHASE_LABELS: Record<string, string> = {
  loading: 'loading',
  verifying: 'verifying the HVP',
  eigenvalues: 'λmax and λmin',
  trace: 'trace',
  density: 'density',
  layers: 'per layer',
  slice: 'loss slice',
};

/** Lens shown at a range; every lens of this extension carries its command, so no resolve step is needed. */
function lens(line: number, title: string, command: string, modelPath: string): CodeLens {
  return {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    command: { title, command, arguments: [modelPath] },
  };
}

/** One-line summary of a report: λmax, λmin, trace with its standard error, negative mass. */
export function summaryTitle(report: Report): string {
  const trace = `${formatValue(report.trace.estimate)} ± ${formatValue(report.trace.standardError)}`;
  return (
    `λmax ${formatValue(lambdaMaxOf(report))} · λmin ${formatValue(lambdaMinOf(report))} · ` +
    `trace ${trace} · negative mass ${formatShare(report.density.negativeMass)}`
  );
}

/** One-line summary of a layer's block of the Hessian. */
export function layerTitle(layer: LayerCurvature): string {
  return `${layer.name}: λmax ${formatValue(layer.lambdaMax)} · trace ${formatValue(layer.trace)} · negative ${formatShare(layer.negativeMass)}`;
}

/**
 * Lenses of a model file: at the top, the state of its analysis (running,
 * summary of the newest report, failure, or an offer to analyse), and above
 * each layer's entry of a model.json, that layer's curvature.
 */
export function modelFileLenses(document: TextDocument, modelPath: string, record: ModelRecord | undefined): CodeLens[] {
  const lenses: CodeLens[] = [];
  const report = record?.entries[0]?.report ?? null;
  const staleNote = record?.stale === true ? ' · stale: files changed since this analysis' : '';

  if (record?.running != null) {
    const progress = record.running.latestProgress;
    const status =
      progress === null ? 'starting' : `${PHASE_LABELS[progress.phase] ?? progress.phase} ${Math.min(progress.done, progress.total)}/${progress.total}`;
    lenses.push(lens(0, `Hessian spectrum: analysing (${status})`, Commands.showSpectrum, modelPath));
    lenses.push(lens(0, 'Cancel', Commands.cancelAnalysis, modelPath));
  } else if (report === null && record?.failure != null) {
    lenses.push(lens(0, `Hessian spectrum: analysis failed (see Problems)`, Commands.showSpectrum, modelPath));
    lenses.push(lens(0, 'Analyze again', Commands.analyzeModel, modelPath));
  } else if (report === null) {
    lenses.push(lens(0, 'Analyze Hessian spectrum', Commands.analyzeModel, modelPath));
  }

  if (report !== null) {
    lenses.push(lens(0, `${summaryTitle(report)}${staleNote}`, Commands.showSpectrum, modelPath));
    lenses.push(lens(0, 'Open spectrum', Commands.showSpectrum, modelPath));
    if (record?.stale === true && record.running === null) {
      lenses.push(lens(0, 'Analyze again', Commands.analyzeModel, modelPath));
    }
    lenses.push(...layerLenses(document, modelPath, report, record?.stale === true));
  }
  return lenses;
}

function layerLenses(document: TextDocument, modelPath: string, report: Report, stale: boolean): CodeLens[] {
  if (path.extname(modelPath).toLowerCase() !== '.json' || report.layers.length === 0) {
    return [];
  }
  const layersByName = new Map(report.layers.map((layer) => [layer.name, layer]));
  const lenses: CodeLens[] = [];
  for (const location of findLayerLocations(document.getText())) {
    const layer = layersByName.get(location.name);
    if (layer !== undefined) {
      const line = document.positionAt(location.start).line;
      lenses.push(lens(line, `${layerTitle(layer)}${stale ? ' (stale)' : ''}`, Commands.showSpectrum, modelPath));
    }
  }
  return lenses;
}
