import * as tf from '@tensorflow/tfjs';

import { readFloat32, requireInput, shape4D, toFloat32, writeOutput, type KernelArguments } from './kernelIo';

/**
 * The two backprop kernels of a depthwise 2D convolution (channels last),
 *
 *   y[b, r, c, ci·m + k] = Σ_{fr, fc} x[b, r·sh − padTop + fr·dh, c·sw − padLeft + fc·dw, ci] · W[fr, fc, ci, k],
 *
 * where m is the channel multiplier. The wasm backend of tfjs 4.22 has
 * neither kernel. Sums run in float64 and are rounded to float32 once.
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
 * Visits every (output position, filter tap) pair whose input position lies
 * inside the image, with the flat offsets of the x row and the dy row.
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xOffset: number, dyOffset: number, filterOffset: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const multiplier = outChannels / inChannels;

  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - info.padInfo.top;
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - info.padInfo.left;
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
            const xOffset = ((b * inHeight + inRow) * inWidth + inColumn) * inChannels;
            const filterOffset = (filterRow * filterWidth + filterColumn) * inChannels * multiplier;
            visit(xOffset, dyOffset, filterOffset);
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
 */
export function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'DepthwiseConv2dNativeBackpropFilter');
  const dy = requireInput(inputs, 'dy', 'DepthwiseConv2dNativeBackpropFilter');
  const kernelAttrs = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseInfo(x.shape, kernelAttrs.filterShape, kernelAttrs);
  const xValues = readFloat32(backend, x);
  const dyValues = readFloat32(backend, dy);
  const inChannels = info.inChannels;
  const multiplier = info.outChannels / inChannels;

  const sums = new Float64Array(tf.util.sizeFromShape(kernelAttrs.filterShape));
  forEachTap(info, (xOffset, dyOffset, filterOffset) => {
    for (let channel = 0; channel < inChannels; channel++) {
      const xValue = xValues[xOffset + channel];
      const base = channel * multiplier;
      for (let k = 0; k < multiplier; k++) {
        sums[filterOffset + base + k] += xValue * dyValues[dyOffset + base + k];
      }
    }
  });

  return writeOutput(backend, toFloat32(sums), kernelAttrs.filterShape, 'float32');
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
  const dyValues = readFloat32(backend, dy);
  const filterValues = readFloat32(backend, filter);
  const inChannels = info.inChannels;
  const multiplier = info.outChannels / inChannels;

  const sums = new Float64Array(tf.util.sizeFromShape(kernelAttrs.inputShape));
  forEachTap(info, (xOffset, dyOffset, filterOffset) => {
    for (let channel = 0; channel < inChannels; channel++) {
      const base = channel * multiplier;
      let sum = 0;
      for (let k = 0; k < multiplier; k++) {
        sum += filterValues[filterOffset + base + k] * dyValues[dyOffset + base + k];
      }
      sums[xOffset + channel] += sum;
    }
  });

  return writeOutput(backend, toFloat32(sums), kernelAttrs.inputShape, 'float32');
}
