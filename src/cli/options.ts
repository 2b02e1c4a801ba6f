import { InvalidArgumentError } from 'commander';

import type { AnalysisRequest, BackendPreference } from '../engine/api';
import { LOSS_NAMES, normalizeLossName } from '../engine/losses';
import type { AnalysisSettings, LossName } from '../engine/report';

/** Options of `hessian-spectrum analyze`, as commander parses them. */
export interface AnalyzeOptions {
  data?: string;
  labels?: string;
  labelColumn?: string;
  xKey?: string;
  yKey?: string;
  categories?: Record<string, string[]>;
  loss?: LossName;
  output?: number;
  samples?: number;
  batchSize?: number;
  topK?: number;
  lanczosSteps?: number;
  densityRuns?: number;
  densitySteps?: number;
  traceProbes?: number;
  traceMethod?: AnalysisSettings['traceMethod'];
  method?: AnalysisSettings['method'];
  methodEigen?: AnalysisSettings['eigenMethod'];
  basisPrecision?: AnalysisSettings['basisPrecision'];
  backend?: BackendPreference;
  seed?: number;
  layers: boolean;
  slicePoints?: number;
  layerSteps?: number;
  workers?: number;
  json?: string;
  html?: string;
  saveConfig?: boolean;
  quiet?: boolean;
}

/** Parses a whole number of at least `minimum`, for commander's option parser. */
export function integerAtLeast(minimum: number): (text: string) => number {
  return (text: string): number => {
    const value = Number(text);
    if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
      throw new InvalidArgumentError(`Expected a whole number of at least ${minimum}, got "${text}".`);
    }
    return value;
  };
}

/** Parses a loss name in any usual spelling (`mse`, `categoricalCrossentropy`, ...). */
export function parseLoss(text: string): LossName {
  const loss = normalizeLossName(text);
  if (loss === null) {
    throw new InvalidArgumentError(`Unknown loss "${text}". Use one of: ${LOSS_NAMES.join(', ')}.`);
  }
  return loss;
}

/**
 * Parses one `--categories column=a,b,c`, or the JSON form for names with
 * commas, and adds it to the columns parsed so far, so the option can be
 * repeated.
 */
export function parseCategories(text: string, previous: Record<string, string[]> | undefined): Record<string, string[]> {
  if (text.trim().startsWith('{')) {
    return { ...(previous ?? {}), ...parseCategoriesJson(text) };
  }
  const separator = text.indexOf('=');
  const column = text.slice(0, Math.max(separator, 0)).trim();
  const names = text
    .slice(separator + 1)
    .split(',')
    .map((name) => name.trim());
  if (separator <= 0 || column === '' || names.some((name) => name === '')) {
    throw new InvalidArgumentError(`Expected column=name,name,... such as sex=F,M,I, got "${text}".`);
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new InvalidArgumentError(`The category "${repeated}" appears twice in "${text}"; list each category once.`);
  }
  // Object.fromEntries keeps a column named "__proto__" as an own property.
  return Object.fromEntries([...Object.entries(previous ?? {}), [column, names]]);
}

/** Parses the JSON form `{"column": ["a,b", "c"]}`, for names that contain commas. */
function parseCategoriesJson(text: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`Expected a JSON object such as {"species": ["a,b", "c"]}, got invalid JSON (${(error as Error).message}).`);
  }
  const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : null;
  const valid = entries?.every(([, names]) => Array.isArray(names) && names.length > 0 && names.every((name) => typeof name === 'string' && name !== ''));
  if (!entries || !valid) {
    throw new InvalidArgumentError('Expected a JSON object that maps each column to a non-empty array of category names.');
  }
  for (const [column, names] of entries as [string, string[]][]) {
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) {
      throw new InvalidArgumentError(`The category "${repeated}" of column "${column}" appears twice; list each category once.`);
    }
  }
  // Object.fromEntries keeps a column named "__proto__" as an own property.
  return Object.fromEntries(entries as [string, string[]][]);
}

/** Parses one of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new InvalidArgumentError(`Expected one of ${choices.join(', ')}, got "${text}".`);
    }
    return text as T;
  };
}

/** Builds the engine request from the model path and the parsed options. */
export function toAnalysisRequest(modelPath: string, options: AnalyzeOptions): AnalysisRequest {
  const settings: Partial<AnalysisSettings> = { perLayer: options.layers };
  const copies: Array<[keyof AnalyzeOptions, keyof AnalysisSettings]> = [
    ['samples', 'samples'],
    ['batchSize', 'batchSize'],
    ['topK', 'topK'],
    ['lanczosSteps', 'lanczosSteps'],
    ['densityRuns', 'densityRuns'],
    ['densitySteps', 'densitySteps'],
    ['traceProbes', 'traceProbes'],
    ['traceMethod', 'traceMethod'],
    ['method', 'method'],
    ['methodEigen', 'eigenMethod'],
    ['basisPrecision', 'basisPrecision'],
    ['seed', 'seed'],
    ['slicePoints', 'slicePoints'],
    ['layerSteps', 'layerSteps'],
    ['workers', 'workers'],
  ];
  for (const [option, setting] of copies) {
    if (options[option] !== undefined) {
      (settings as Record<string, unknown>)[setting] = options[option];
    }
  }

  const request: AnalysisRequest = { modelPath, settings, backend: options.backend ?? 'auto' };
  if (options.data !== undefined) {
    request.data = {
      path: options.data,
      labelsPath: options.labels,
      labelColumn: options.labelColumn,
      xKey: options.xKey,
      yKey: options.yKey,
    };
  }
  if (options.categories !== undefined) {
    request.categories = options.categories;
  }
  if (options.loss !== undefined) {
    request.loss = options.loss;
  }
  if (options.output !== undefined) {
    request.outputIndex = options.output;
  }
  return request;
}
