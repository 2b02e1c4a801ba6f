import * as tf from '@tensorflow/tfjs';

import { readFloat32, requireInput, shape4D, writeOutput, type KernelArguments } from './kernelIo';
import { findTensorStorage, tensorStorage } from './tensorStorage';

/**
 * Max-pooling kernels built on one argmax routine, so that the backward
 * kernel (MaxPoolGrad), the argmax kernel (MaxPoolWithArgmax) and the gather
 * that the second-order gradient of MaxPoolGrad needs (GatherAtMaxPoolArgmax)
 * route every output to the same input element.
 *
 * Tie-breaking: the first element, in row-major order of the window, that is
 * strictly greater than all before it; NaN never wins. This is the rule of
 * tfjs-backend-cpu 4.22 (maxPoolPositions). A window whose valid elements are
 * all NaN or −∞ routes to its first valid element, where the stock cpu kernel
 * routes nowhere. The stock wasm MaxPoolGrad and MaxPoolWithArgmax of 4.22
 * start from 0 instead of −∞, so a window whose elements are all negative
 * routes to its first element and reports a maximum of 0.
 *
 * One HVP through a max-pooling layer runs MaxPoolGrad twice and the gather
 * once, all on the same input tensor. So the argmax is cached per tensor data
 * and pooling geometry, and computed once; tensor data never changes once
 * written.
 */

/** Name of the kernel that gathers values at the argmax of each max-pooling window. */
export const GATHER_AT_MAX_POOL_ARGMAX = 'GatherAtMaxPoolArgmax';

/** Pooling attributes shared by MaxPoolGrad, MaxPoolWithArgmax and GatherAtMaxPoolArgmax. */
export interface PoolAttributes {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * For each output element of a 2D max pool over channels-last `x`, returns
 * the flat index into x (batch included) of the element it takes its value
 * from. The result has one entry per output element, in output order.
 */
export function maxPoolArgmax(xValues: Float32Array, info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rowStep = dilationHeight * inWidth * inChannels;
  const columnStep = dilationWidth * inChannels;
  const positions = new Int32Array(batchSize * outHeight * outWidth * inChannels);
  // Candidates for a select without a branch: with random data a compare
  // branch is mispredicted about half the time, which costs more than the
  // rest of the loop.
  const candidates = new Float64Array(2);

  let outIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - padTop;
      const rowStart = rowCorner < 0 ? rowCorner + Math.ceil(-rowCorner / dilationHeight) * dilationHeight : rowCorner;
      const rows = Math.ceil((Math.min(inHeight, rowCorner + effectiveFilterHeight) - rowStart) / dilationHeight);

      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - padLeft;
        const columnStart = columnCorner < 0 ? columnCorner + Math.ceil(-columnCorner / dilationWidth) * dilationWidth : columnCorner;
        const columns = Math.ceil((Math.min(inWidth, columnCorner + effectiveFilterWidth) - columnStart) / dilationWidth);
        if (rows <= 0 || columns <= 0) {
          throw new Error(
            `Max pooling window at output (${outRow}, ${outColumn}) lies entirely in the padding; ` +
              'use a padding smaller than the filter.',
          );
        }
        const firstValid = ((b * inHeight + rowStart) * inWidth + columnStart) * inChannels;

        for (let channel = 0; channel < inChannels; channel++) {
          // The first element strictly greater than all before it wins, so
          // NaN never wins and a window of NaN and −∞ keeps its first element.
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = firstValid + channel;
          let rowBase = bestIndex;
          for (let row = 0; row < rows; row++, rowBase += rowStep) {
            let index = rowBase;
            for (let column = 0; column < columns; column++, index += columnStep) {
              const value = xValues[index];
              const greater = +(value > best);
              candidates[0] = best;
              candidates[1] = value;
              best = candidates[greater];
              bestIndex += greater * (index - bestIndex);
            }
          }
          positions[outIndex++] = bestIndex;
        }
      }
    }
  }
  return positions;
}

function poolInfo(xShape: number[], attrs: PoolAttributes): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape4D(xShape, 'Max pooling input'),
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode,
  );
}

/** True when no input element lies in two pooling windows, so each receives at most one dy. */
function windowsAreDisjoint(info: tf.backend_util.Conv2DInfo): boolean {
  return info.strideHeight >= info.effectiveFilterHeight && info.strideWidth >= info.effectiveFilterWidth;
}

interface CachedArgmax {
  geometry: string;
  positions: Int32Array;
}

const argmaxCache = new WeakMap<object, CachedArgmax[]>();

/** Returns the argmax of `x` for `info` from the cache, or computes it from `readValues()` and caches it. */
function argmaxOf(x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, readValues: () => Float32Array): Int32Array {
  const geometry = JSON.stringify([x.shape, info.outShape, info.strideHeight, info.strideWidth, info.padInfo, info.filterHeight, info.filterWidth]);
  const entries = argmaxCache.get(x.dataId) ?? [];
  const cached = entries.find((entry) => entry.geometry === geometry);
  if (cached !== undefined) {
    return cached.positions;
  }
  const positions = maxPoolArgmax(readValues(), info);
  entries.push({ geometry, positions });
  argmaxCache.set(x.dataId, entries);
  return positions;
}

/**
 * MaxPoolGrad: dx[i] = Σ dy[o] over the outputs o whose argmax is i. Inputs
 * `dy` [batch, outHeight, outWidth, channels], `input` (x) and `output` (the
 * forward max pool, unused); returns dx shaped like x.
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const dy = requireInput(inputs, 'dy', 'MaxPoolGrad');
  const input = requireInput(inputs, 'input', 'MaxPoolGrad');
  const info = poolInfo(input.shape, attrs as unknown as PoolAttributes);
  const storage = tensorStorage(backend);
  const positions = argmaxOf(input, info, () => storage.float32(input));

  const dx = storage.allocate(input.shape);
  const dxValues = storage.float32(dx);
  const dyValues = storage.float32(dy);
  if (windowsAreDisjoint(info)) {
    dxValues.fill(0);
    for (let outIndex = 0; outIndex < positions.length; outIndex++) {
      dxValues[positions[outIndex]] = dyValues[outIndex];
    }
  } else {
    // Overlapping windows: sum in float64 and round once, as the stock cpu kernel does.
    const sums = new Float64Array(dxValues.length);
    for (let outIndex = 0; outIndex < positions.length; outIndex++) {
      sums[positions[outIndex]] += dyValues[outIndex];
    }
    dxValues.set(sums);
  }
  return dx;
}

/**
 * MaxPoolWithArgmax: the max pool of `x` and, per output element, the flat
 * index of its argmax, (row·inWidth + column)·channels + channel, plus
 * batch·inHeight·inWidth·channels when attrs.includeBatchInIndex is set (the
 * TensorFlow convention). Also honours a dimRoundingMode attribute, which
 * the stock kernels ignore. Runs on any backend; on cpu and wasm it reads and
 * writes tensor memory in place.
 */
export function maxPoolWithArgmax({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo[] {
  const x = requireInput(inputs, 'x', 'MaxPoolWithArgmax');
  const kernelAttrs = attrs as unknown as PoolAttributes & { includeBatchInIndex: boolean };
  const info = poolInfo(x.shape, kernelAttrs);
  const imageSize = info.inHeight * info.inWidth * info.inChannels;
  const storage = findTensorStorage(backend);

  if (storage === null) {
    const xValues = readFloat32(backend, x);
    const positions = argmaxOf(x, info, () => xValues);
    const values = new Float32Array(positions.length);
    const indexes = new Int32Array(positions.length);
    fillArgmaxOutputs(xValues, positions, kernelAttrs.includeBatchInIndex ? 0 : imageSize, values, indexes);
    return [writeOutput(backend, values, info.outShape, 'float32'), writeOutput(backend, indexes, info.outShape, 'int32')];
  }

  const positions = argmaxOf(x, info, () => storage.float32(x));
  const values = storage.allocate(info.outShape, 'float32');
  const indexes = storage.allocate(info.outShape, 'int32');
  fillArgmaxOutputs(
    storage.float32(x),
    positions,
    kernelAttrs.includeBatchInIndex ? 0 : imageSize,
    storage.float32(values),
    storage.int32(indexes),
  );
  return [values, indexes];
}

/** values[o] = x[positions[o]] and indexes[o] = positions[o], modulo `modulus` unless it is 0. */
function fillArgmaxOutputs(
  xValues: Float32Array,
  positions: Int32Array,
  modulus: number,
  values: Float32Array,
  indexes: Int32Array,
): void {
  for (let outIndex = 0; outIndex < positions.length; outIndex++) {
    const position = positions[outIndex];
    values[outIndex] = xValues[position];
    indexes[outIndex] = modulus === 0 ? position : position % modulus;
  }
}

/**
 * GatherAtMaxPoolArgmax, a kernel of this project: out[o] = values[argmax of
 * window o of x], the gradient of MaxPoolGrad with respect to dy. Inputs `x`
 * (the pooled input) and `values` (shaped like x), attributes as for
 * MaxPoolGrad; returns a tensor shaped like the max pool's output. It takes
 * the place of MaxPoolWithArgmax followed by GatherV2, whose wasm version
 * checks every index in a JavaScript loop.
 */
export function gatherAtMaxPoolArgmax({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', GATHER_AT_MAX_POOL_ARGMAX);
  const values = requireInput(inputs, 'values', GATHER_AT_MAX_POOL_ARGMAX);
  if (!tf.util.arraysEqual(values.shape, x.shape)) {
    throw new Error(`${GATHER_AT_MAX_POOL_ARGMAX}: values of shape [${values.shape.join(', ')}] must have the shape of x, [${x.shape.join(', ')}].`);
  }
  const info = poolInfo(x.shape, attrs as unknown as PoolAttributes);
  const storage = tensorStorage(backend);
  const positions = argmaxOf(x, info, () => storage.float32(x));

  const output = storage.allocate(info.outShape);
  const outputValues = storage.float32(output);
  const source = storage.float32(values);
  for (let outIndex = 0; outIndex < positions.length; outIndex++) {
    outputValues[outIndex] = source[positions[outIndex]];
  }
  return output;
}
