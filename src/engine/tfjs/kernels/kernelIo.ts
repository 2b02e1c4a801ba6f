import * as tf from '@tensorflow/tfjs';

/**
 * Input and output plumbing shared by the kernels of this folder. readFloat32
 * and writeOutput work on every backend through `readSync` and `write`, which
 * copy on wasm. Kernels that run only on cpu and wasm use tensorStorage.ts,
 * which reads and writes in place.
 */

/** The kernel's arguments as TensorFlow.js passes them to a kernelFunc. */
export interface KernelArguments {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** Looks up the input called `name`, and throws when the kernel was called without it. */
export function requireInput(inputs: tf.NamedTensorInfoMap, name: string, kernelName: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) {
    throw new Error(`${kernelName} was called without its input '${name}'.`);
  }
  return info;
}

/** Reads a float32 input. */
export function readFloat32(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  const values = backend.readSync(info.dataId);
  if (values instanceof Float32Array) {
    return values;
  }
  return Float32Array.from(values as ArrayLike<number>);
}

/** Stores `values` on the backend as a new tensor of the given shape. */
export function writeOutput(
  backend: tf.KernelBackend,
  values: Float32Array | Int32Array,
  shape: number[],
  dtype: 'float32' | 'int32',
): tf.TensorInfo {
  const dataId = backend.write(values, shape, dtype);
  return { dataId, shape, dtype };
}

/** Checks that `shape` has rank 4 and returns it as a tuple; `description` names the tensor in the error. */
export function shape4D(shape: number[], description: string): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new Error(`${description} must have rank 4, but has shape [${shape.join(', ')}].`);
  }
  return shape as [number, number, number, number];
}
