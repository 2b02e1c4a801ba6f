/**
 * Reads the loss, optimizer and learning rate from a Keras 2 `training_config`
 * or a Keras 3 `compile_config`.
 */
import { NO_TRAINING_CONFIG, type ParsedTrainingConfig, parseTrainingConfig } from '../trainingConfig';
import { isPlainObject } from '../validation';

/**
 * Parses a Keras 2 `training_config` (`{loss, optimizer_config}`, the learning
 * rate as `learning_rate` or Keras 2.1's `lr`). `outputNames` are the model's
 * output layer names, which a list of losses refers to.
 */
export function parseKeras2TrainingConfig(raw: unknown, outputNames: readonly string[]): ParsedTrainingConfig {
  if (!isPlainObject(raw)) {
    return { training: { ...NO_TRAINING_CONFIG }, notes: ['The file records no training configuration (the model was saved without compile()).'] };
  }
  return withLogitsCheck(raw.loss, parseTrainingConfig(raw, outputNames));
}

/**
 * Parses a Keras 3 `compile_config`: `{loss, optimizer}` where the optimizer
 * is a serialized object `{module, class_name, config: {learning_rate}}` or a
 * name such as `"adam"`.
 */
export function parseKeras3CompileConfig(raw: unknown, outputNames: readonly string[]): ParsedTrainingConfig {
  if (!isPlainObject(raw)) {
    return { training: { ...NO_TRAINING_CONFIG }, notes: ['The file records no compile configuration (the model was saved without compile()).'] };
  }
  const optimizer = typeof raw.optimizer === 'string' ? { class_name: raw.optimizer, config: {} } : raw.optimizer;
  return withLogitsCheck(raw.loss, parseTrainingConfig({ loss: raw.loss, optimizer_config: optimizer }, outputNames));
}

/**
 * Drops the loss when it was built with `from_logits=True`. Such a loss
 * applies softmax or sigmoid itself, but the engine's losses take the model's
 * outputs as probabilities.
 */
function withLogitsCheck(rawLoss: unknown, parsed: ParsedTrainingConfig): ParsedTrainingConfig {
  if (!takesLogits(rawLoss)) {
    return parsed;
  }
  return {
    training: { ...parsed.training, loss: null, lossByOutput: null },
    notes: [
      ...parsed.notes,
      `The loss ${parsed.training.rawLoss ?? ''} was compiled with from_logits=True, but the engine's losses take probabilities, so the training loss is not used. A loss given for this model applies to its raw outputs.`,
    ],
  };
}

function takesLogits(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(takesLogits);
  }
  if (!isPlainObject(value)) {
    return false;
  }
  if (isPlainObject(value.config) && value.config.from_logits === true) {
    return true;
  }
  return typeof value.class_name !== 'string' && Object.values(value).some(takesLogits);
}
