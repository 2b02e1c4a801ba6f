import * as path from 'node:path';

import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import type { Report } from '../../engine/report';
import type { AnalysisFailedParams } from '../../protocol';
import { findLayerLocations } from '../lenses/layerLocations';
import { matchScript, type AnalysedModel } from '../lenses/scriptLenses';
import { pathToUri } from '../paths';
import type { DiagnosticThresholds } from '../settings';
import { DiagnosticCodes, layerFindings, learningRateFinding, modelFindings, type Finding } from './findings';

export const DIAGNOSTIC_SOURCE = 'Hessian Spectrum';

/**
 * Page that explains each diagnostic code, shipped beside the server bundle
 * (webpack copies src/server/diagnostics/diagnostics.md to dist/).
 */
export function diagnosticsPageUri(): string {
  return pathToUri(path.join(__dirname, 'diagnostics.md'));
}

const FIRST_LINE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

function toDiagnostic(finding: Finding, range: Range, note: string): Diagnostic {
  return {
    range,
    severity: finding.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: finding.code,
    codeDescription: { href: `${diagnosticsPageUri()}#${finding.code.replace('.', '')}` },
    source: DIAGNOSTIC_SOURCE,
    message: `${finding.message}${note}`,
  };
}

/**
 * Diagnostics of a model file from its newest report: the whole model's
 * findings on the first line and, in a model.json whose text is given, each
 * layer's findings at its entry.
 */
export function modelFileDiagnostics(report: Report, stale: boolean, modelText: string | null, thresholds: DiagnosticThresholds): Diagnostic[] {
  const note = stale ? ' (These results are stale: a file of the model or its data changed since the analysis.)' : '';
  const diagnostics = modelFindings(report, thresholds).map((finding) => toDiagnostic(finding, FIRST_LINE, note));
  if (modelText === null) {
    return diagnostics;
  }

  const lineStarts = lineStartOffsets(modelText);
  const layersByName = new Map(report.layers.map((layer) => [layer.name, layer]));
  for (const location of findLayerLocations(modelText)) {
    const layer = layersByName.get(location.name);
    if (layer === undefined) {
      continue;
    }
    const range = { start: positionAt(lineStarts, location.start), end: positionAt(lineStarts, location.end) };
    diagnostics.push(...layerFindings(layer, thresholds).map((finding) => toDiagnostic(finding, range, note)));
  }
  return diagnostics;
}

/** Builds the diagnostic of a failed analysis, for the file that caused it. */
export function failureDiagnostic(failure: AnalysisFailedParams): Diagnostic {
  const subject = failure.file === null || failure.file === failure.modelPath ? '' : ` of ${path.basename(failure.modelPath)}`;
  return {
    range: FIRST_LINE,
    severity: DiagnosticSeverity.Error,
    code: DiagnosticCodes.analysisFailed,
    codeDescription: { href: `${diagnosticsPageUri()}#${DiagnosticCodes.analysisFailed.replace('.', '')}` },
    source: DIAGNOSTIC_SOURCE,
    message: `The Hessian analysis${subject} failed: ${failure.message}`,
  };
}

/** Diagnostics of a training script: layer findings at layer names, unstable learning rates at their settings. */
export function scriptDiagnostics(document: TextDocument, models: AnalysedModel[], thresholds: DiagnosticThresholds): Diagnostic[] {
  const matches = matchScript(document.getText(), models);
  const diagnostics: Diagnostic[] = [];
  for (const { site, matches: layerMatches } of matches.layers) {
    const range = { start: { line: site.line, character: site.startCharacter }, end: { line: site.line, character: site.endCharacter } };
    for (const { model, layer } of layerMatches) {
      const note = ` (Model ${path.basename(model.modelPath)}${model.stale ? ', stale results' : ''}.)`;
      diagnostics.push(...layerFindings(layer, thresholds).map((finding) => toDiagnostic(finding, range, note)));
    }
  }
  for (const { site, models: related } of matches.learningRates) {
    const range = { start: { line: site.line, character: site.startCharacter }, end: { line: site.line, character: site.endCharacter } };
    for (const model of related) {
      const lambdaMax = model.report.eigenvalues.top[0];
      const finding = learningRateFinding(lambdaMax, site.value, 'this line');
      if (finding !== null) {
        const note = ` (Model ${path.basename(model.modelPath)}${model.stale ? ', stale results' : ''}.)`;
        diagnostics.push(toDiagnostic(finding, range, note));
      }
    }
  }
  return diagnostics;
}

function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}

function positionAt(lineStarts: number[], offset: number): { line: number; character: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (lineStarts[middle] <= offset) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return { line: low, character: offset - lineStarts[low] };
}
