import type * as tf from '@tensorflow/tfjs';

import type { AnalysisRequest } from '../api';
import { dataSpecFromSidecar, fitDataset, loadDataset, readSidecar, sidecarPathFor, type FittedDataset, type Sidecar } from '../data';
import { sameFile } from '../data/sameFile';
import type { DataSpec } from '../data/types';
import { InputError } from '../errors';
import type { ProblemData } from '../hvp/lossProblem';
import { LOSS_NAMES } from '../losses';
import { loadModel, selectOutput } from '../models/loadModel';
import type { LoadedModel } from '../models/types';
import { DEFAULT_SETTINGS, type AnalysisSettings, type LossName } from '../report';

/** Everything an analysis needs before the first Hessian-vector product. */
export interface PreparedAnalysis {
  loaded: LoadedModel;
  /** Single-output model sharing the loaded model's layers and weights. */
  model: tf.LayersModel;
  outputIndex: number;
  outputName: string;
  loss: LossName;
  /** Set when a loss from the request or the sidecar was overruled by the model's own. */
  lossNote: string | null;
  /** Settings that were lowered to fit the others, one sentence each. */
  settingNotes: string[];
  settings: AnalysisSettings;
  dataSpec: DataSpec;
  fitted: FittedDataset;
  /** Categories of the text columns in index order, given or in order of first appearance. */
  categories: Record<string, string[]>;
}

/**
 * Loads the model, the sidecar and the data, resolves the loss and the
 * settings, and fits the chosen samples to the model. Request values win over
 * the sidecar's, which win over the defaults. The caller disposes the result
 * with `disposePreparedAnalysis`.
 *
 * @throws InputError for a missing dataset link or loss, and for any invalid file.
 */
export async function prepareAnalysis(request: AnalysisRequest): Promise<PreparedAnalysis> {
  const sidecar = await readSidecar(request.modelPath);
  const loaded = await loadModel(request.modelPath);

  try {
    const settings = resolveSettings(request, sidecar);
    const settingNotes = reconcileSettings(settings);
    const dataSpec = resolveDataSpec(request, sidecar);
    const selected = selectOutput(loaded, request.outputIndex ?? sidecar?.output);
    const { loss, note: lossNote } = resolveLoss(request, sidecar, loaded, selected.name);

    const dataset = await loadDataset(dataSpec);
    const fitted = fitDataset(dataset, {
      inputShape: selected.model.inputs[0].shape,
      outputShape: selected.model.outputs[0].shape,
      loss,
      samples: settings.samples,
      seed: settings.seed,
    });
    const guessed = guessedCategoriesNote(dataset.categories, dataSpec);
    if (guessed !== null) {
      fitted.notes.push(guessed);
    }
    return {
      loaded,
      model: selected.model,
      outputIndex: selected.index,
      outputName: selected.name,
      loss,
      lossNote,
      settingNotes,
      settings,
      dataSpec,
      fitted,
      categories: dataset.categories,
    };
  } catch (error) {
    loaded.model.dispose();
    throw error;
  }
}

function resolveSettings(request: AnalysisRequest, sidecar: Sidecar | null): AnalysisSettings {
  const fromSidecar: Partial<AnalysisSettings> = {};
  if (sidecar?.samples !== undefined) {
    fromSidecar.samples = sidecar.samples;
  }
  if (sidecar?.seed !== undefined) {
    fromSidecar.seed = sidecar.seed;
  }
  const defined = Object.fromEntries(
    Object.entries(request.settings ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<AnalysisSettings>;
  return { ...DEFAULT_SETTINGS, ...fromSidecar, ...defined };
}

/**
 * Lowers settings that cannot work together and returns a note for each:
 * m Lanczos steps give m Ritz values, so at most ⌊m/2⌋ top and ⌊m/2⌋ bottom
 * eigenvalues that are not the same values counted twice.
 */
function reconcileSettings(settings: AnalysisSettings): string[] {
  const notes: string[] = [];
  const steps = Math.max(settings.lanczosSteps, settings.densitySteps);
  const largestTopK = Math.max(1, Math.floor(steps / 2));
  if (settings.eigenMethod === 'lanczos' && settings.topK > largestTopK) {
    notes.push(
      `top-k ${settings.topK} was lowered to ${largestTopK}, because ${steps} Lanczos steps give at most ${largestTopK} top and ` +
        `${largestTopK} bottom eigenvalues; raise --lanczos-steps for more.`,
    );
    settings.topK = largestTopK;
  }
  return notes;
}

/**
 * Returns a note naming the text columns that were numbered in order of first
 * appearance, because neither the request nor the sidecar gave their
 * categories. A model trained with another order then gets wrong inputs.
 */
function guessedCategoriesNote(used: Record<string, string[]>, spec: DataSpec): string | null {
  const guessed = Object.entries(used).filter(([column]) => spec.categories === undefined || !Object.hasOwn(spec.categories, column));
  if (guessed.length === 0) {
    return null;
  }
  const mappings = guessed.map(([column, names]) => `${JSON.stringify(column)}: ${names.map((name, index) => `${name}→${index}`).join(', ')}`);
  const example = JSON.stringify(Object.fromEntries(guessed));
  return (
    `Text columns numbered in order of first appearance: ${mappings.join('; ')}. ` +
    `If the model was trained with another order, give it with --categories or in the sidecar, for instance "categories": ${example}.`
  );
}

function resolveDataSpec(request: AnalysisRequest, sidecar: Sidecar | null): DataSpec {
  const spec = dataSpecWithoutRequestCategories(request, sidecar);
  if (request.categories === undefined) {
    return spec;
  }
  return { ...spec, categories: { ...(spec.categories ?? {}), ...request.categories } };
}

function dataSpecWithoutRequestCategories(request: AnalysisRequest, sidecar: Sidecar | null): DataSpec {
  if (request.data !== undefined) {
    // The sidecar's fields of its data file (label column, array names, categories) apply when the request names that file.
    const linked = sidecar === null ? null : dataSpecFromSidecar(sidecar);
    if (linked === null || !sameFile(linked.path, request.data.path)) {
      return request.data;
    }
    const requestFields = Object.fromEntries(Object.entries(request.data).filter(([, value]) => value !== undefined));
    return { ...linked, ...requestFields };
  }
  const fromSidecar = sidecar === null ? null : dataSpecFromSidecar(sidecar);
  if (fromSidecar === null) {
    throw new InputError(
      request.modelPath,
      'no dataset is linked to this model',
      `Pass the data with --data, or name it in the sidecar ${sidecarPathFor(request.modelPath)} ` +
        '(in VS Code: Hessian Spectrum: Link Dataset…)',
    );
  }
  return fromSidecar;
}

/**
 * Picks the loss: the model's own wins, because the model was trained with
 * it, then the request's, then the sidecar's.
 */
function resolveLoss(
  request: AnalysisRequest,
  sidecar: Sidecar | null,
  loaded: LoadedModel,
  outputName: string,
): { loss: LossName; note: string | null } {
  const fromModel = loaded.training.lossByOutput?.[outputName] ?? loaded.training.loss;
  const requested = request.loss ?? sidecar?.loss;
  if (fromModel !== null) {
    const note =
      requested !== undefined && requested !== fromModel
        ? `The model was trained with ${fromModel}, which is used instead of the requested ${requested}.`
        : null;
    return { loss: fromModel, note };
  }
  if (requested !== undefined) {
    return { loss: requested, note: null };
  }

  const recorded =
    loaded.training.rawLoss === null ? 'the model records no loss' : `the model's loss "${loaded.training.rawLoss}" is not supported`;
  throw new InputError(
    request.modelPath,
    recorded,
    `Pass one with --loss (${LOSS_NAMES.join(', ')}) or set "loss" in the sidecar ${sidecarPathFor(request.modelPath)}`,
  );
}

/** Frees the model's weights. */
export function disposePreparedAnalysis(prepared: PreparedAnalysis): void {
  prepared.loaded.model.dispose();
}

/** Converts the fitted samples to the arrays a LossProblem takes. */
export function problemData(fitted: FittedDataset): ProblemData {
  return { inputs: fitted.inputs, inputShape: fitted.inputsShape, targets: fitted.targets, targetShape: fitted.targetsShape };
}
