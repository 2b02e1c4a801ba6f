import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { getStockKernel } from '../kernelRegistration';

/**
 * Direct access to tensor memory from inside a kernel of the cpu or wasm
 * backend (tfjs 4.22), without the copies that readSync and write make on
 * wasm, and calls of other kernels of the same backend.
 *
 * On wasm a view is a Float32Array over the wasm heap. Any allocation may
 * grow the heap, which detaches every view taken before it (writes to a
 * detached view are lost without an error), so take views after the last
 * allocation of a step. On cpu a view is the array the backend stores.
 */
export interface TensorStorage {
  readonly backend: tf.KernelBackend;
  /** 'wasm' or 'cpu'. */
  readonly backendName: string;
  /** Allocates a tensor whose values are undefined on wasm and zero on cpu. */
  allocate(shape: number[], dtype?: 'float32' | 'int32'): tf.TensorInfo;
  /** The values of a float32 tensor, without a copy where the backend allows; write only to tensors allocated here. */
  float32(info: tf.TensorInfo): Float32Array;
  /** The values of an int32 tensor, without a copy where the backend allows. */
  int32(info: tf.TensorInfo): Int32Array;
  /** Frees a tensor allocated here or returned by runKernel. */
  dispose(info: tf.TensorInfo): void;
  /** Runs a kernel registered on this backend: the replacement where one was registered. */
  runKernel(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: object): tf.TensorInfo;
  /** Runs the kernel that the backend itself registered, bypassing any replacement. */
  runStockKernel(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: object): tf.TensorInfo;
}

/** The members of BackendWasm 4.22 used here; `makeOutput` and `typedArrayFromHeap` are public but undocumented. */
interface WasmBackendMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Returns the storage of a cpu or wasm backend instance; throws for any other backend. */
export function tensorStorage(backend: tf.KernelBackend): TensorStorage {
  const storage = findTensorStorage(backend);
  if (storage === null) {
    throw new Error('This kernel runs only on the cpu and wasm backends of TensorFlow.js.');
  }
  return storage;
}

/** Returns the storage of a cpu or wasm backend instance, or null for any other backend. */
export function findTensorStorage(backend: tf.KernelBackend): TensorStorage | null {
  if (backend instanceof BackendWasm) {
    return new WasmStorage(backend);
  }
  if (isCpuBackend(backend)) {
    return new CpuStorage(backend);
  }
  return null;
}

/** True for a wasm backend instance. */
export function isWasmBackend(backend: tf.KernelBackend): boolean {
  return backend instanceof BackendWasm;
}

/** True for an instance of the cpu backend's class, under any registered name. */
function isCpuBackend(backend: tf.KernelBackend): boolean {
  // tfjs-backend-cpu is bundled inside @tensorflow/tfjs, so its class is taken from the registered instance.
  const cpu = tf.findBackend('cpu');
  return cpu !== null && backend instanceof (cpu.constructor as new () => tf.KernelBackend);
}

abstract class BaseStorage implements TensorStorage {
  abstract readonly backendName: string;

  constructor(readonly backend: tf.KernelBackend) {}

  abstract allocate(shape: number[], dtype?: 'float32' | 'int32'): tf.TensorInfo;
  abstract float32(info: tf.TensorInfo): Float32Array;
  abstract int32(info: tf.TensorInfo): Int32Array;

  dispose(info: tf.TensorInfo): void {
    this.backend.disposeData(info.dataId);
  }

  runKernel(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
    return this.call(tf.getKernel(kernelName, this.backendName), kernelName, inputs, attrs);
  }

  runStockKernel(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
    const stock = getStockKernel(kernelName, this.backendName);
    return this.call(stock === undefined ? tf.getKernel(kernelName, this.backendName) : (stock ?? undefined), kernelName, inputs, attrs);
  }

  private call(
    kernel: tf.KernelConfig | undefined,
    kernelName: string,
    inputs: tf.NamedTensorInfoMap,
    attrs: object,
  ): tf.TensorInfo {
    if (kernel === undefined) {
      throw new Error(`The ${this.backendName} backend has no ${kernelName} kernel.`);
    }
    const output = kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(output)) {
      throw new Error(`${kernelName} returned ${output.length} tensors where one was expected.`);
    }
    return output;
  }
}

class WasmStorage extends BaseStorage {
  readonly backendName = 'wasm';

  private get memory(): WasmBackendMemory {
    return this.backend as unknown as WasmBackendMemory;
  }

  allocate(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.TensorInfo {
    return this.memory.makeOutput(shape, dtype);
  }

  float32(info: tf.TensorInfo): Float32Array {
    requireDtype(info, 'float32');
    return this.memory.typedArrayFromHeap(info) as Float32Array;
  }

  int32(info: tf.TensorInfo): Int32Array {
    requireDtype(info, 'int32');
    return this.memory.typedArrayFromHeap(info) as Int32Array;
  }
}

class CpuStorage extends BaseStorage {
  readonly backendName = 'cpu';

  allocate(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.TensorInfo {
    const size = tf.util.sizeFromShape(shape);
    const values = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    return { dataId: this.backend.write(values, shape, dtype), shape, dtype };
  }

  float32(info: tf.TensorInfo): Float32Array {
    requireDtype(info, 'float32');
    const values = this.backend.readSync(info.dataId);
    // The cpu backend returns the array it stores, so writes reach the tensor.
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  }

  int32(info: tf.TensorInfo): Int32Array {
    requireDtype(info, 'int32');
    const values = this.backend.readSync(info.dataId);
    return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  }
}

function requireDtype(info: tf.TensorInfo, dtype: tf.DataType): void {
  if (info.dtype !== dtype) {
    throw new Error(`Expected a ${dtype} tensor, got ${info.dtype} of shape [${info.shape.join(', ')}].`);
  }
}

/** Runs `body` and frees the tensors it adds to `scratch` afterwards, also when it throws. */
export function withScratch<T>(storage: TensorStorage, body: (scratch: tf.TensorInfo[]) => T): T {
  const scratch: tf.TensorInfo[] = [];
  try {
    return body(scratch);
  } finally {
    for (const info of scratch) {
      storage.dispose(info);
    }
  }
}
