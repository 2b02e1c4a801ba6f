/**
 * Reads the training configuration that Keras and TensorFlow.js save with a
 * model: the loss (one for all outputs, one per output name, or a list in
 * output order) and the optimizer with its learning rate.
 */
import { normalizeLossName } from '../losses';
import type { LossName } from '../report';
import type { TrainingConfig } from './types';
import { isPlainObject } from './validation';

/** The training config of a model file that records none. */
export const NO_TRAINING_CONFIG: TrainingConfig = {
  loss: null,
  lossByOutput: null,
  rawLoss: null,
  learningRate: null,
  optimizer: null,
};

/** A training config with the facts about it worth a line in the report. */
export interface ParsedTrainingConfig {
  training: TrainingConfig;
  notes: string[];
}

/**
 * Parses `raw`, the `training_config` of a Keras file or converted model or
 * the `trainingConfig` of a TensorFlow.js model.json. `outputNames` are the
 * model's output layer names in output order, which a list of losses refers
 * to. Anything missing or not understood becomes null, so no value parsed
 * from JSON makes it throw.
 *
 * Accepted forms: `loss` as a string (`"mse"`, `"categoricalCrossentropy"`),
 * a Keras object `{class_name, config}`, a dict from output name to loss, or
 * a list in output order; `optimizer_config` (or `optimizerConfig`) as
 * `{class_name, config}` whose config holds `learning_rate`, `lr` (Keras 2.1)
 * or `learningRate` (TensorFlow.js).
 */
export function parseTrainingConfig(raw: unknown, outputNames: readonly string[]): ParsedTrainingConfig {
  if (!isPlainObject(raw)) {
    return { training: { ...NO_TRAINING_CONFIG }, notes: [] };
  }
  const notes: string[] = [];
  const loss = parseLoss(raw.loss, outputNames);
  const optimizer = parseOptimizer(raw.optimizer_config ?? raw.optimizerConfig, notes);
  return { training: { ...loss, ...optimizer }, notes };
}

/**
 * Returns the loss of the output named `outputName`: the per-output loss when
 * the file gives one, else the loss shared by all outputs, else null.
 */
export function lossForOutput(training: TrainingConfig, outputName: string): LossName | null {
  const byOutput = training.lossByOutput;
  // An own-property check, so that an output named "constructor" does not find Object.prototype.constructor.
  return byOutput !== null && Object.hasOwn(byOutput, outputName) ? byOutput[outputName] : training.loss;
}

type LossFields = Pick<TrainingConfig, 'loss' | 'lossByOutput' | 'rawLoss'>;

function parseLoss(raw: unknown, outputNames: readonly string[]): LossFields {
  if (typeof raw === 'string' || isLossObject(raw)) {
    return { loss: normalizeLossName(raw), lossByOutput: null, rawLoss: rawLossName(raw) };
  }

  let entries: [string, unknown][];
  if (Array.isArray(raw)) {
    if (raw.length === 1) {
      return parseLoss(raw[0], outputNames);
    }
    entries = raw.map((loss, index): [string, unknown] => [outputNames[index] ?? `output ${index}`, loss]);
  } else if (isPlainObject(raw)) {
    entries = Object.entries(raw);
  } else {
    return { loss: null, lossByOutput: null, rawLoss: null };
  }

  // Object.fromEntries keeps an output named "__proto__" as an own property, where an assignment would set the prototype.
  const recognized = entries.flatMap(([outputName, loss]): [string, LossName][] => {
    const name = normalizeLossName(loss);
    return name === null ? [] : [[outputName, name]];
  });
  const lossByOutput: Record<string, LossName> = Object.fromEntries(recognized);
  const rawLoss = entries.map(([outputName, loss]) => `${outputName}: ${rawLossName(loss)}`).join(', ');
  return { loss: sharedLoss(entries, lossByOutput, outputNames), lossByOutput, rawLoss };
}

/** Returns the loss of every output when all outputs have the same recognized loss, else null. */
function sharedLoss(
  entries: [string, unknown][],
  lossByOutput: Record<string, LossName>,
  outputNames: readonly string[],
): LossName | null {
  const names = new Set(Object.values(lossByOutput));
  const coversEveryOutput = outputNames.every((outputName) => Object.hasOwn(lossByOutput, outputName));
  const allRecognized = Object.keys(lossByOutput).length === entries.length;
  if (names.size === 1 && coversEveryOutput && allRecognized) {
    return [...names][0];
  }
  return null;
}

function isLossObject(raw: unknown): raw is { class_name: unknown } {
  return isPlainObject(raw) && typeof raw.class_name === 'string';
}

function rawLossName(raw: unknown): string {
  if (typeof raw === 'string') {
    return raw;
  }
  if (isLossObject(raw)) {
    return String(raw.class_name);
  }
  return JSON.stringify(raw) ?? String(raw);
}

type OptimizerFields = Pick<TrainingConfig, 'learningRate' | 'optimizer'>;

function parseOptimizer(raw: unknown, notes: string[]): OptimizerFields {
  if (!isPlainObject(raw)) {
    return { learningRate: null, optimizer: null };
  }
  const className = raw.class_name ?? raw.className;
  const optimizer = typeof className === 'string' ? className : null;
  const config = isPlainObject(raw.config) ? raw.config : {};

  const rate = config.learning_rate ?? config.lr ?? config.learningRate;
  if (typeof rate === 'number' && Number.isFinite(rate)) {
    return { learningRate: rate, optimizer };
  }
  if (isPlainObject(rate) && typeof rate.class_name === 'string') {
    notes.push(`The optimizer's learning rate follows the schedule ${rate.class_name}, so no single learning rate is reported.`);
  }
  return { learningRate: null, optimizer };
}
