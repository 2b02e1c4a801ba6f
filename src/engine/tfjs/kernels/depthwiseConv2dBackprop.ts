import * as tf from '@tensorflow/tfjs';

import { requireInput, shape4D, type KernelArguments } from './kernelIo';
import { isWasmBackend, tensorStorage, type TensorStorage } from './tensorStorage';

/**
 * The two backprop kernels of a depthwise 2D convolution (channels last),
 *
 *   y[b, r, c, ci·m + k] = Σ_{fr, fc} x[b, r·sh − padTop + fr·dh, c·sw − padLeft + fc·dw, ci] · W[fr, fc, ci, k],
 *
 * where m is the channel multiplier. The wasm backend of tfjs 4.22 has
 * neither kernel, and the cpu backend's read one element at a time.
 *
 * The filter gradient streams over x and dy once per filter tap, sums in
 * float64 and rounds to float32 once. At stride 1 on wasm, the input gradient is the backend's own
 * depthwise convolution (XNNPACK) of dy with the filter rotated by 180°,
 * followed by a sum over the m channels of each input channel. Elsewhere it
 * is a flat loop like the filter gradient.
 */

/** Geometry shared by both kernels; `input` and `filter` are the forward convolution's shapes. */
function depthwiseInfo(
  input: number[],
  filter: number[],
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs | tf.DepthwiseConv2dNativeBackpropInputAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    shape4D(input, 'Depthwise convolution input'),
    shape4D(filter, 'Depthwise convolution filter') as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

/**
 * For each (output position, filter tap) pair whose input position lies
 * inside the image, calls `visit` with the flat offsets of the x pixel, the
 * dy pixel and the filter tap. The calls follow the output positions in
 * order, so a caller that writes dy-shaped data writes it sequentially.
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xOffset: number, dyOffset: number, filterOffset: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - padTop;
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - padLeft;
        const dyOffset = ((b * outHeight + outRow) * outWidth + outColumn) * outChannels;

        for (let filterRow = 0; filterRow < filterHeight; filterRow++) {
          const inRow = rowCorner + filterRow * dilationHeight;
          if (inRow < 0 || inRow >= inHeight) {
            continue;
          }
          for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
            const inColumn = columnCorner + filterColumn * dilationWidth;
            if (inColumn < 0 || inColumn >= inWidth) {
              continue;
            }
            visit(
              ((b * inHeight + inRow) * inWidth + inColumn) * inChannels,
              dyOffset,
              (filterRow * filterWidth + filterColumn) * outChannels,
            );
          }
        }
      }
    }
  }
}

/**
 * DepthwiseConv2dNativeBackpropFilter: dW[fr, fc, ci, k] = Σ x[…, ci] · dy[…, ci·m + k].
 * Inputs `x` [batch, inHeight, inWidth, inChannels] and `dy` [batch,
 * outHeight, outWidth, inChannels·m]; returns dW of shape attrs.filterShape.
 *
 * Each filter tap is one streaming pass: for a tap and an output row, the
 * output columns whose input lies inside the image form one run, over which
 * the x and dy offsets advance by a fixed step. No matrix product helps here:
 * at m = 1 every loaded pair of values feeds one multiply-add, so a GEMM
 * would first have to copy as much data as this pass reads.
 */
export function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'DepthwiseConv2dNativeBackpropFilter');
  const dy = requireInput(inputs, 'dy', 'DepthwiseConv2dNativeBackpropFilter');
  const kernelAttrs = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseInfo(x.shape, kernelAttrs.filterShape, kernelAttrs);
  const storage = tensorStorage(backend);
  const xValues = storage.float32(x);
  const dyValues = storage.float32(dy);

  const sums = new Float64Array(tf.util.sizeFromShape(kernelAttrs.filterShape));
  const tapSums = new Float64Array(info.outChannels);
  for (let filterRow = 0; filterRow < info.filterHeight; filterRow++) {
    for (let filterColumn = 0; filterColumn < info.filterWidth; filterColumn++) {
      tapSums.fill(0);
      addTapProducts(info, filterRow, filterColumn, xValues, dyValues, tapSums);
      sums.set(tapSums, (filterRow * info.filterWidth + filterColumn) * info.outChannels);
    }
  }

  const output = storage.allocate(kernelAttrs.filterShape);
  storage.float32(output).set(sums);
  return output;
}

/**
 * Adds Σ x[b, inRow, inColumn, ci] · dy[b, outRow, outColumn, ci·m + k] over
 * every output position whose input for tap (filterRow, filterColumn) lies
 * inside the image, into sums[ci·m + k].
 */
function addTapProducts(
  info: tf.backend_util.Conv2DInfo,
  filterRow: number,
  filterColumn: number,
  xValues: Float32Array,
  dyValues: Float32Array,
  sums: Float64Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const multiplier = outChannels / inChannels;
  const rowShift = filterRow * info.dilationHeight - info.padInfo.top;
  const columnShift = filterColumn * info.dilationWidth - info.padInfo.left;

  // Output columns c with 0 ≤ c·strideWidth + columnShift < inWidth.
  const firstColumn = Math.max(0, Math.ceil(-columnShift / strideWidth));
  const endColumn = Math.min(outWidth, Math.floor((inWidth - 1 - columnShift) / strideWidth) + 1);
  if (endColumn <= firstColumn) {
    return;
  }
  const xStep = strideWidth * inChannels;

  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const inRow = outRow * strideHeight + rowShift;
      if (inRow < 0 || inRow >= inHeight) {
        continue;
      }
      let xOffset = ((b * inHeight + inRow) * inWidth + firstColumn * strideWidth + columnShift) * inChannels;
      let dyOffset = ((b * outHeight + outRow) * outWidth + firstColumn) * outChannels;
      if (multiplier === 1) {
        addRunProducts(xValues, xOffset, xStep, dyValues, dyOffset, endColumn - firstColumn, inChannels, sums);
        continue;
      }
      for (let column = firstColumn; column < endColumn; column++, xOffset += xStep, dyOffset += outChannels) {
        for (let channel = 0, out = 0; channel < inChannels; channel++) {
          const xValue = xValues[xOffset + channel];
          for (let k = 0; k < multiplier; k++, out++) {
            sums[out] += xValue * dyValues[dyOffset + out];
          }
        }
      }
    }
  }
}

/**
 * DepthwiseConv2dNativeBackpropInput: dx[b, r, c, ci] = Σ W[fr, fc, ci, k] · dy[…, ci·m + k]
 * over the output positions and taps that read (r, c). Inputs `dy` [batch,
 * outHeight, outWidth, inChannels·m] and `filter` [filterHeight, filterWidth,
 * inChannels, m]; returns dx of shape attrs.inputShape.
 */
export function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const dy = requireInput(inputs, 'dy', 'DepthwiseConv2dNativeBackpropInput');
  const filter = requireInput(inputs, 'filter', 'DepthwiseConv2dNativeBackpropInput');
  const kernelAttrs = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = depthwiseInfo(kernelAttrs.inputShape, filter.shape, kernelAttrs);
  const storage = tensorStorage(backend);

  if (isWasmBackend(backend)) {
    const dx = inputGradientByConvolution(storage, dy, filter, info);
    if (dx !== null) {
      return dx;
    }
  }

  const dyValues = storage.float32(dy);
  const filterValues = storage.float32(filter);
  const inChannels = info.inChannels;
  const multiplier = info.outChannels / inChannels;
  const sums = new Float64Array(tf.util.sizeFromShape(kernelAttrs.inputShape));
  forEachTap(info, (xOffset, dyOffset, filterOffset) => {
    for (let channel = 0, out = 0; channel < inChannels; channel++) {
      let sum = 0;
      for (let k = 0; k < multiplier; k++, out++) {
        sum += filterValues[filterOffset + out] * dyValues[dyOffset + out];
      }
      sums[xOffset + channel] += sum;
    }
  });

  const output = storage.allocate(kernelAttrs.inputShape);
  storage.float32(output).set(sums);
  return output;
}

/**
 * Computes dx as the depthwise convolution, at stride 1, of dy (padded by
 * effectiveFilterSize − 1 − pad on each side) with the filter rotated by 180°
 * and read as [fh, fw, inChannels·m, 1]. The result is then summed over the m
 * channels of each input channel. Returns null for strides above 1 and for
 * pads of the effective filter size or more.
 */
function inputGradientByConvolution(
  storage: TensorStorage,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo | null {
  const { filterHeight, filterWidth, effectiveFilterHeight, effectiveFilterWidth, inChannels, outChannels } = info;
  const top = effectiveFilterHeight - 1 - info.padInfo.top;
  const bottom = effectiveFilterHeight - 1 - info.padInfo.bottom;
  const left = effectiveFilterWidth - 1 - info.padInfo.left;
  const right = effectiveFilterWidth - 1 - info.padInfo.right;
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || Math.min(top, bottom, left, right) < 0) {
    return null;
  }

  const rotated = storage.allocate([filterHeight, filterWidth, outChannels, 1]);
  let spread: tf.TensorInfo | null = null;
  try {
    const source = storage.float32(filter);
    const target = storage.float32(rotated);
    const taps = filterHeight * filterWidth;
    for (let tap = 0; tap < taps; tap++) {
      target.set(source.subarray((taps - 1 - tap) * outChannels, (taps - tap) * outChannels), tap * outChannels);
    }
    spread = storage.runKernel(
      'DepthwiseConv2dNative',
      { x: dy, filter: rotated },
      {
        strides: 1,
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.dilationHeight, info.dilationWidth],
      },
    );
    if (outChannels === inChannels) {
      const dx = spread;
      spread = null;
      return dx;
    }
    const dx = storage.allocate(info.inShape);
    const spreadValues = storage.float32(spread);
    const dxValues = storage.float32(dx);
    const multiplier = outChannels / inChannels;
    for (let i = 0, j = 0; i < dxValues.length; i++) {
      let sum = 0;
      for (let k = 0; k < multiplier; k++, j++) {
        sum += spreadValues[j];
      }
      dxValues[i] = sum;
    }
    return dx;
  } finally {
    storage.dispose(rotated);
    if (spread !== null) {
      storage.dispose(spread);
    }
  }
}

/** Adds one run at channel multiplier 1: sums[c] += Σ_j x[xOffset + j·xStep + c] · dy[dyOffset + j·channels + c]. */
function addRunProducts(
  xValues: Float32Array,
  xOffset: number,
  xStep: number,
  dyValues: Float32Array,
  dyOffset: number,
  length: number,
  channels: number,
  sums: Float64Array,
): void {
  for (let j = 0; j < length; j++, xOffset += xStep, dyOffset += channels) {
    for (let channel = 0; channel < channels; channel++) {
      sums[channel] += xValues[xOffset + channel] * dyValues[dyOffset + channel];
    }
  }
}
