import * as path from 'node:path';

import type { CodeLens } from 'vscode-languageserver';

import type { LayerCurvature, Report } from '../../engine/report';
import { Commands } from '../../protocol';
import { lambdaMaxOf } from '../diagnostics/findings';
import { formatValue } from '../numberFormat';
import { layerTitle } from './modelFileLenses';
import { scanScript, type LayerNameSite, type LearningRateSite } from './scriptScan';

/** Reports shown in scripts at most per site, so a name shared by many models does not flood the line. */
const MAX_MODELS_PER_SITE = 3;

export interface AnalysedModel {
  modelPath: string;
  report: Report;
  stale: boolean;
}

export interface ScriptMatches {
  /** Layer-name sites with the analysed layers of that name, at most `MAX_MODELS_PER_SITE` each. */
  layers: { site: LayerNameSite; matches: { model: AnalysedModel; layer: LayerCurvature }[] }[];
  /** Learning-rate sites with the models they are compared with. */
  learningRates: { site: LearningRateSite; models: AnalysedModel[] }[];
}

/**
 * Matches a training script against the analysed models: each layer name that
 * a model has, and each learning-rate setting. A learning rate is compared with
 * the models whose layers the script names; when it names none, with every
 * analysed model (up to `MAX_MODELS_PER_SITE`).
 */
export function matchScript(text: string, models: AnalysedModel[]): ScriptMatches {
  const layersByName = new Map<string, { model: AnalysedModel; layer: LayerCurvature }[]>();
  for (const model of models) {
    for (const layer of model.report.layers) {
      const matches = layersByName.get(layer.name) ?? [];
      matches.push({ model, layer });
      layersByName.set(layer.name, matches);
    }
  }

  const sites = scanScript(text, (name) => layersByName.has(name));
  const layers = sites.layerNames.map((site) => ({ site, matches: (layersByName.get(site.name) ?? []).slice(0, MAX_MODELS_PER_SITE) }));

  const named = new Set(layers.flatMap((entry) => entry.matches.map((match) => match.model)));
  const related = (named.size > 0 ? [...named] : models).filter((model) => lambdaMaxOf(model.report) !== null).slice(0, MAX_MODELS_PER_SITE);
  const learningRates = related.length === 0 ? [] : sites.learningRates.map((site) => ({ site, models: related }));

  return { layers, learningRates };
}

/** Lenses of a training script: layer curvature at layer names, 2/λmax at learning-rate settings. */
export function scriptLenses(matches: ScriptMatches): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const { site, matches: layerMatches } of matches.layers) {
    for (const { model, layer } of layerMatches) {
      const title = `${layerTitle(layer)} (${path.basename(model.modelPath)}${model.stale ? ', stale' : ''})`;
      lenses.push(siteLens(site.line, title, model.modelPath));
    }
  }
  for (const { site, models } of matches.learningRates) {
    for (const model of models) {
      const lambdaMax = lambdaMaxOf(model.report) as number;
      const limit = 2 / lambdaMax;
      let comparison = '';
      if (lambdaMax > 0) {
        comparison = site.value > limit ? ' · this learning rate is above it' : ' · this learning rate is below it';
      }
      const title = `2/λmax = ${formatValue(lambdaMax > 0 ? limit : null)} for ${path.basename(model.modelPath)}${model.stale ? ' (stale)' : ''}${comparison}`;
      lenses.push(siteLens(site.line, title, model.modelPath));
    }
  }
  return lenses;
}

function siteLens(line: number, title: string, modelPath: string): CodeLens {
  return {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    command: { title, command: Commands.showSpectrum, arguments: [modelPath] },
  };
}
