import * as tf from '@tensorflow/tfjs';

import { installGradientFixes, selectBackend } from '../../../src/engine/tfjs';
import { getStockKernel } from '../../../src/engine/tfjs/kernelRegistration';

/** The backends every test of this folder runs on. */
export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** Activates `backend` and installs the gradient fixes for it. */
export async function useBackend(backend: TestBackend): Promise<void> {
  await selectBackend(backend);
  installGradientFixes();
}

/** Values of a tensor input given to runStockCpuKernel. */
export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/**
 * Runs the stock tfjs-backend-cpu kernel (the one installGradientFixes
 * replaced, if it replaced one) on the cpu backend instance, whichever backend
 * is active, and returns the values of its outputs.
 */
export function runStockCpuKernel(kernelName: string, inputs: Record<string, HostTensor>, attrs: object): Array<Float32Array | Int32Array> {
  // A kernel that was never replaced is still the stock one.
  const stock = getStockKernel(kernelName, 'cpu') ?? tf.getKernel(kernelName, 'cpu');
  if (stock === undefined || stock === null) {
    throw new Error(`The cpu backend has no ${kernelName} kernel.`);
  }
  const backend = tf.engine().findBackend('cpu');
  const infos: tf.NamedTensorInfoMap = {};
  for (const [name, input] of Object.entries(inputs)) {
    infos[name] = { dataId: backend.write(input.values, input.shape, input.dtype), shape: input.shape, dtype: input.dtype };
  }

  const output = stock.kernelFunc({ inputs: infos, attrs: attrs as tf.NamedAttrMap, backend });
  const outputs = Array.isArray(output) ? output : [output];
  const values = outputs.map((info) => backend.readSync(info.dataId).slice() as Float32Array | Int32Array);

  outputs.forEach((info) => backend.disposeData(info.dataId));
  Object.values(infos).forEach((info) => backend.disposeData(info!.dataId));
  return values;
}

/** Runs a kernel of the active backend and returns its outputs' values. */
export function runActiveKernel(kernelName: string, inputs: Record<string, HostTensor>, attrs: object): Array<Float32Array | Int32Array> {
  return tf.tidy(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, input] of Object.entries(inputs)) {
      tensors[name] = tf.tensor(input.values, input.shape, input.dtype);
    }
    const output = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap);
    const outputs = Array.isArray(output) ? output : [output];
    return outputs.map((tensor) => (tensor as tf.Tensor).dataSync().slice() as Float32Array | Int32Array);
  });
}

/** Largest |a − b| / max(1, max |b|). */
export function maxScaledDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  let difference = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    difference = Math.max(difference, Math.abs(a[i] - b[i]));
  }
  return difference / scale;
}
