import type * as tf from '@tensorflow/tfjs';

import type { LossName, ModelFormat } from '../report';

/** What the model file records about how it was trained. */
export interface TrainingConfig {
  /** Loss shared by every output, when the file names one. */
  loss: LossName | null;
  /** Loss per output name, when the file gives one per output. */
  lossByOutput: Record<string, LossName> | null;
  /** Loss as the file spells it, kept for messages when it is not supported. */
  rawLoss: string | null;
  /** Learning rate of the optimizer, when it is a plain number. */
  learningRate: number | null;
  /** Optimizer class, for instance `Adam`. */
  optimizer: string | null;
}

/** A layer with trainable weights, in the order its weights appear in the parameter vector. */
export interface LayerWeights {
  name: string;
  className: string;
  /** Trainable variables of the layer, in parameter-vector order. */
  variables: tf.LayerVariable[];
  numParameters: number;
}

/** A model loaded from disk, ready for analysis. */
export interface LoadedModel {
  /** Path of the model file the user picked. */
  path: string;
  format: ModelFormat;
  model: tf.LayersModel;
  training: TrainingConfig;
  /** Every file the model was read from (model file and weight shards), for cache keys. */
  files: string[];
  /** Facts about the loading worth a line in the report (conversions, ignored optimizer state). */
  notes: string[];
}

/** Limits that protect the loaders from files too large to be real models. */
export interface LoadLimits {
  /** Largest model or weight file accepted, in bytes. */
  maxFileBytes: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  maxFileBytes: 2 * 1024 ** 3,
};
