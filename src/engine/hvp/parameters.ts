import * as tf from '@tensorflow/tfjs';

/**
 * The trainable parameters of a model as one flat vector θ of length n: each
 * layer's trainable variables, flattened row-major, in layer order. Lanczos
 * vectors over θ are Float64Array, while the model's variables are float32.
 */

/** One layer's slice [offset, offset + size) of the parameter vector. */
export interface ParameterBlock {
  layerName: string;
  className: string;
  offset: number;
  size: number;
  variables: tf.Variable[];
}

export interface ParameterLayout {
  /** Trainable variables in parameter-vector order. */
  variables: tf.Variable[];
  /** Start of each variable in the parameter vector. */
  offsets: number[];
  /** Per-layer blocks, in layer order; layers without trainable weights are left out. */
  blocks: ParameterBlock[];
  /** n, the length of the parameter vector. */
  size: number;
}

/** Lays out the trainable weights of `model` in layer order. */
export function layoutParameters(model: tf.LayersModel): ParameterLayout {
  const variables: tf.Variable[] = [];
  const offsets: number[] = [];
  const blocks: ParameterBlock[] = [];
  const seen = new Set<string>();
  let size = 0;

  for (const layer of model.layers) {
    const blockStart = size;
    const blockVariables: tf.Variable[] = [];

    for (const weight of layer.trainableWeights) {
      // A layer shared by several nodes lists the same weight once per layer object only.
      if (seen.has(weight.name)) {
        continue;
      }
      seen.add(weight.name);
      const variable = weight.read() as tf.Variable;
      variables.push(variable);
      offsets.push(size);
      blockVariables.push(variable);
      size += variable.size;
    }

    if (blockVariables.length > 0) {
      blocks.push({
        layerName: layer.name,
        className: layer.getClassName(),
        offset: blockStart,
        size: size - blockStart,
        variables: blockVariables,
      });
    }
  }

  return { variables, offsets, blocks, size };
}

/** Reads the current parameter values into a new Float64Array of length n. */
export async function readParameters(layout: ParameterLayout): Promise<Float64Array> {
  const values = new Float64Array(layout.size);
  for (let i = 0; i < layout.variables.length; i++) {
    values.set(await layout.variables[i].data(), layout.offsets[i]);
  }
  return values;
}

/** Assigns a flat vector of length n to the model's variables (rounded to float32). */
export function writeParameters(layout: ParameterLayout, values: Float64Array): void {
  if (values.length !== layout.size) {
    throw new RangeError(`Parameter vector has length ${values.length}, expected ${layout.size}.`);
  }
  layout.variables.forEach((variable, i) => {
    const slice = values.subarray(layout.offsets[i], layout.offsets[i] + variable.size);
    tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(slice), variable.shape, 'float32')));
  });
}

/**
 * Splits a flat vector into float32 tensors shaped like the variables. The
 * caller owns the tensors.
 */
export function splitIntoTensors(layout: ParameterLayout, vector: Float64Array): tf.Tensor[] {
  return splitOver(layout.variables, vector);
}

/**
 * Splits a vector of one block's length into float32 tensors shaped like the
 * block's variables. The caller owns the tensors.
 */
export function splitBlockIntoTensors(block: ParameterBlock, vector: Float64Array): tf.Tensor[] {
  if (vector.length !== block.size) {
    throw new RangeError(`Block vector has length ${vector.length}, expected ${block.size} for layer ${block.layerName}.`);
  }
  return splitOver(block.variables, vector);
}

/**
 * Concatenates per-variable tensors into one flat float32 tensor, so that the
 * values come back to JavaScript in a single read. A null entry (no gradient
 * reaches that variable) becomes zeros.
 */
export function flattenTensors(layout: ParameterLayout, tensors: Array<tf.Tensor | null | undefined>): tf.Tensor1D {
  return flattenOver(layout.variables, tensors);
}

/** flattenTensors for the variables of one block, in block order. */
export function flattenBlockTensors(block: ParameterBlock, tensors: Array<tf.Tensor | null | undefined>): tf.Tensor1D {
  return flattenOver(block.variables, tensors);
}

/** Splits `vector` into tensors shaped like `variables`, which lie back to back in it. */
function splitOver(variables: tf.Variable[], vector: Float64Array): tf.Tensor[] {
  let offset = 0;
  return variables.map((variable) => {
    const slice = vector.subarray(offset, offset + variable.size);
    offset += variable.size;
    return tf.tensor(Float32Array.from(slice), variable.shape, 'float32');
  });
}

function flattenOver(variables: tf.Variable[], tensors: Array<tf.Tensor | null | undefined>): tf.Tensor1D {
  return tf.tidy(() => {
    const parts = variables.map((variable, i) => {
      const tensor = tensors[i];
      return tensor == null ? tf.zeros([variable.size]) : tf.reshape(tensor, [variable.size]);
    });
    return tf.concat(parts) as tf.Tensor1D;
  });
}
