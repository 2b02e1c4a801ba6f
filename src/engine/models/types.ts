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
  /**
   * Largest binary model file (Keras .h5 or .keras) or weight shard accepted,
   * in bytes. It also caps a TensorFlow.js model's weights together, counted
   * as decoded values (quantized weights take 2 or 4 times their stored size).
   */
  maxFileBytes: number;
  /** Largest JSON model file (a TensorFlow.js model.json) accepted, in bytes. */
  maxJsonFileBytes: number;
}

/**
 * Default limits.
 *
 * Binary files: 2 GiB − 1 byte, the most that Node 20's `fs.readFile` reads
 * into one buffer. A file of exactly 2 GiB fails there with
 * ERR_FS_FILE_TOO_LARGE.
 *
 * JSON model files: 256 MiB. A TensorFlow.js model.json holds only the
 * topology and the weight manifest, with the weights in separate .bin shards.
 * The real model.json files of the tests take 2 to 7 KiB, under 1 KiB per
 * layer, so 256 MiB leaves room for hundreds of thousands of layers. The limit
 * is also half the maximum string length of Node 20 (2^29 − 24 characters,
 * about 512 MiB). A model.json is parsed as one string, so a longer file
 * cannot even be read as text.
 */
export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  maxFileBytes: 2 ** 31 - 1,
  maxJsonFileBytes: 256 * 1024 ** 2,
};
