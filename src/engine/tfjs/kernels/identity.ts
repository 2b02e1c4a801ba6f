import type * as tf from '@tensorflow/tfjs';

import { requireInput, type KernelArguments } from './kernelIo';
import { tensorStorage } from './tensorStorage';

/**
 * Identity for the wasm backend that shares the input's memory, as the cpu
 * backend's Identity and the wasm backend's own Reshape do, instead of
 * copying it. Tensor data never changes once written, so sharing is safe; the
 * backend frees the memory when the last tensor that refers to it is
 * disposed. TensorFlow.js runs Identity for every tensor that a gradient
 * saves (tf.clone), about 200 times per Hessian-vector product of a small
 * CNN, and a shared input keeps per-tensor caches such as the max-pooling
 * argmax valid. String tensors go to the stock kernel.
 */
export function sharedIdentity({ inputs, backend }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Identity');
  if (x.dtype === 'string') {
    return tensorStorage(backend).runStockKernel('Identity', { x });
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Cast for the wasm backend that shares the input's memory when the dtype
 * does not change, as the cpu backend does, where the stock kernel copies it.
 * Other casts go to the stock kernel. The gradient of Relu casts its float32
 * mask to float32 on every call.
 */
export function sharedCast({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Cast');
  const { dtype } = attrs as unknown as tf.CastAttrs;
  if (dtype !== x.dtype || x.dtype === 'string') {
    return tensorStorage(backend).runStockKernel('Cast', { x }, { dtype });
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
