import * as tf from '@tensorflow/tfjs';

import { requireInput, type KernelArguments } from './kernelIo';
import { tensorStorage, type TensorStorage } from './tensorStorage';

/**
 * Add, Sub, Multiply, Sum, Relu and Step for the cpu backend, with flat loops
 * for the float32 shapes that the gradients of the supported layers produce.
 * The stock kernels of tfjs-backend-cpu 4.22 call the operation through a
 * function value per element. When one operand is broadcast, the stock binary
 * kernels also convert every flat index to coordinates and back (about 300 ns
 * per element), and the stock Sum over leading axes first transposes its
 * input the same way. Other shapes and dtypes go to the stock kernels.
 *
 * A binary kernel takes the fast path when one operand has the output shape.
 * The other operand, right-aligned to the output's rank, must then equal
 * either the output's trailing dimensions after leading ones (a bias [c]
 * against [n, c]) or its leading dimensions before trailing ones (a per-row
 * factor [n, 1]).
 * Sub is computed as α·x + β·y with α, β = ±1, which IEEE arithmetic
 * makes exactly a − b.
 */

/** The mapping of the smaller operand onto the output: element j of each block of `inner` (trailing) or one element per block (leading). */
interface BroadcastPattern {
  kind: 'trailing' | 'leading';
  /** Elements of the output per element of the smaller operand (leading) or per repetition (trailing). */
  inner: number;
}

/** Classifies `small` (right-aligned) against `shape`; null when it fits neither pattern. */
function broadcastPattern(small: number[], shape: number[]): BroadcastPattern | null {
  const aligned = [...new Array<number>(shape.length - small.length).fill(1), ...small];
  let split = 0;
  while (split < shape.length && aligned[split] === 1) {
    split++;
  }
  if (aligned.slice(split).every((dimension, i) => dimension === shape[split + i])) {
    return { kind: 'trailing', inner: tf.util.sizeFromShape(shape.slice(split)) };
  }
  split = shape.length;
  while (split > 0 && aligned[split - 1] === 1) {
    split--;
  }
  if (aligned.slice(0, split).every((dimension, i) => dimension === shape[i])) {
    return { kind: 'leading', inner: tf.util.sizeFromShape(shape.slice(split)) };
  }
  return null;
}

type BinaryOperation = 'add' | 'sub' | 'mul';

/**
 * Writes out[i] = α·big[i] + β·small[s(i)] (linear) or big[i]·small[s(i)]
 * (product), where s follows `pattern`.
 */
function combine(
  operation: 'linear' | 'product',
  big: Float32Array,
  small: Float32Array,
  pattern: BroadcastPattern,
  alpha: number,
  beta: number,
  out: Float32Array,
): void {
  const { inner } = pattern;
  const blocks = out.length / inner;
  if (pattern.kind === 'trailing') {
    for (let block = 0, i = 0; block < blocks; block++) {
      if (operation === 'linear') {
        for (let j = 0; j < inner; j++, i++) {
          out[i] = alpha * big[i] + beta * small[j];
        }
      } else {
        for (let j = 0; j < inner; j++, i++) {
          out[i] = big[i] * small[j];
        }
      }
    }
    return;
  }
  for (let block = 0, i = 0; block < blocks; block++) {
    const value = small[block];
    if (operation === 'linear') {
      const scaled = beta * value;
      for (let j = 0; j < inner; j++, i++) {
        out[i] = alpha * big[i] + scaled;
      }
    } else {
      for (let j = 0; j < inner; j++, i++) {
        out[i] = big[i] * value;
      }
    }
  }
}

function binaryKernel(kernelName: string, operation: BinaryOperation): tf.KernelFunc {
  const kernel = ({ inputs, backend }: KernelArguments): tf.TensorInfo => {
    const a = requireInput(inputs, 'a', kernelName);
    const b = requireInput(inputs, 'b', kernelName);
    const storage = tensorStorage(backend);
    const shape = a.dtype === 'float32' && b.dtype === 'float32' ? broadcastShape(a.shape, b.shape) : null;
    const aIsBig = shape !== null && tf.util.arraysEqual(a.shape, shape);
    const bIsBig = shape !== null && tf.util.arraysEqual(b.shape, shape);
    let pattern: BroadcastPattern | null = null;
    if (shape !== null && aIsBig) {
      pattern = broadcastPattern(b.shape, shape);
    } else if (shape !== null && bIsBig) {
      pattern = broadcastPattern(a.shape, shape);
    }
    if (shape === null || pattern === null) {
      return storage.runStockKernel(kernelName, { a, b });
    }

    const output = storage.allocate(shape);
    const [big, small] = aIsBig ? [a, b] : [b, a];
    // For Sub, α multiplies the operand with the output shape and β the other one.
    const alpha = operation === 'sub' && !aIsBig ? -1 : 1;
    const beta = operation === 'sub' && aIsBig ? -1 : 1;
    combine(operation === 'mul' ? 'product' : 'linear', storage.float32(big), storage.float32(small), pattern, alpha, beta, storage.float32(output));
    return output;
  };
  return kernel as unknown as tf.KernelFunc;
}

function broadcastShape(aShape: number[], bShape: number[]): number[] | null {
  try {
    return tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  } catch {
    return null;
  }
}

export const addCpu = binaryKernel('Add', 'add');
export const subCpu = binaryKernel('Sub', 'sub');
export const multiplyCpu = binaryKernel('Multiply', 'mul');

/**
 * Sum for the cpu backend. A float32 sum over leading axes (the bias
 * gradient, [n, h, w, c] → [c]) adds rows in float64 without the transpose
 * of the stock kernel. Every other case goes to the stock kernel. Inputs `x`,
 * attributes axis and keepDims.
 */
export function sumCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Sum');
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const storage = tensorStorage(backend);
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((first, second) => first - second);
  const leading = axes.every((value, i) => value === i);
  if (x.dtype !== 'float32' || axes.length === 0 || !leading || axes.length === x.shape.length) {
    return storage.runStockKernel('Sum', { x }, { axis, keepDims });
  }
  return sumLeadingAxes(storage, x, axes.length, keepDims);
}

function sumLeadingAxes(storage: TensorStorage, x: tf.TensorInfo, reducedRank: number, keepDims: boolean): tf.TensorInfo {
  const keptShape = x.shape.slice(reducedRank);
  const inner = tf.util.sizeFromShape(keptShape);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, reducedRank));
  const sums = new Float64Array(inner);
  const values = storage.float32(x);
  for (let row = 0, i = 0; row < rows; row++) {
    for (let j = 0; j < inner; j++, i++) {
      sums[j] += values[i];
    }
  }
  const output = storage.allocate(keepDims ? [...new Array<number>(reducedRank).fill(1), ...keptShape] : keptShape);
  storage.float32(output).set(sums);
  return output;
}

/**
 * Relu for float32 on the cpu backend: max(0, x) with NaN kept, as the stock
 * kernel computes it by one function call per element. The select runs
 * without a branch, because a sign branch on gradient data is mispredicted
 * about half the time (measured: 3 times slower). The arithmetic select gives
 * NaN for −∞ and NaN inputs, which a rarely taken branch then corrects.
 */
export function reluCpu({ inputs, backend }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Relu');
  const storage = tensorStorage(backend);
  if (x.dtype !== 'float32') {
    return storage.runStockKernel('Relu', { x });
  }
  const output = storage.allocate(x.shape);
  const values = storage.float32(x);
  const out = storage.float32(output);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // Adding 0 turns the −0 of a negative value times 0 into +0.
    const result = value * +(value > 0) + 0;
    if (result === result) {
      out[i] = result;
    } else {
      // NaN stays NaN; −∞ times 0 becomes 0.
      out[i] = value === value ? 0 : value;
    }
  }
  return output;
}

/**
 * Step for float32 on the cpu backend: 1 where x > 0, NaN where x is NaN,
 * attrs.alpha elsewhere, as in the stock kernel; the select runs without a
 * branch, as in reluCpu.
 */
export function stepCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Step');
  const { alpha } = attrs as unknown as tf.StepAttrs;
  const storage = tensorStorage(backend);
  if (x.dtype !== 'float32') {
    return storage.runStockKernel('Step', { x }, { alpha });
  }
  const output = storage.allocate(x.shape);
  const values = storage.float32(x);
  const out = storage.float32(output);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const positive = +(value > 0);
    out[i] = value === value ? positive + (1 - positive) * alpha : value;
  }
  return output;
}
