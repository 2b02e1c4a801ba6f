import type * as tf from '@tensorflow/tfjs';

import type { TensorStorage } from './tensorStorage';

/**
 * Both backprops of a 2D convolution written as forward convolutions, so that
 * they run on the backend's own Conv2D kernel (XNNPACK's implicit-GEMM
 * convolution on wasm) with no im2col step in JavaScript.
 *
 * Filter gradient: with x' = x transposed to [inChannels, inHeight, inWidth,
 * batch] and dy' = dy transposed to [outHeight, outWidth, batch,
 * outChannels], dW[fr, fc, ci, co] = Σ x[b, r·sh − padTop + fr, c·sw −
 * padLeft + fc, ci] · dy[b, r, c, co] is the convolution of x' with the filter
 * dy', dilated by the forward strides; its output [inChannels, filterHeight,
 * filterWidth, outChannels] is transposed back.
 *
 * Input gradient (stride 1 only): dx is the convolution of dy, padded by
 * filterSize − 1 − pad on each side, with the filter rotated by 180° and its
 * two channel axes swapped.
 *
 * Each function returns null where its form does not apply, and the caller
 * falls back to the im2col form.
 */

/** The forward convolution's geometry, channels last, with all four pads. */
export interface ConvolutionShape {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** Builds the shape from tfjs's Conv2DInfo (either data format); dilations must be 1. */
export function convolutionShape(info: tf.backend_util.Conv2DInfo): ConvolutionShape {
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

function explicitPadding(top: number, bottom: number, left: number, right: number): number[][] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * Largest dy (in elements) and largest XNNPACK indirection buffer (in
 * pointers) for which the filter gradient runs as one convolution. XNNPACK
 * packs a copy of its filter, here dy', and builds one pointer per output
 * pixel and filter tap, here inChannels·fh·fw·outHeight·outWidth. Beyond
 * these sizes the chunked im2col form bounds the memory instead.
 */
export const CONVOLUTION_FORM_LIMIT = 1 << 24;

/**
 * dW as a convolution of x' with dy'. `x` and `dy` are NHWC, or NCHW when
 * `channelsLast` is false. Returns null when the last output rows or columns
 * of the forward convolution leave input rows or columns unread (a 'valid'
 * convolution whose stride does not divide the input), which would need a
 * negative pad here, and above CONVOLUTION_FORM_LIMIT.
 */
export function filterGradientByConvolution(
  storage: TensorStorage,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  shape: ConvolutionShape,
  channelsLast: boolean,
  filterShape: number[],
): tf.TensorInfo | null {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = shape;
  const padBottom = filterHeight - inHeight - padTop + (outHeight - 1) * strideHeight;
  const padRight = filterWidth - inWidth - padLeft + (outWidth - 1) * strideWidth;
  const dySize = shape.batchSize * outHeight * outWidth * shape.outChannels;
  const pointers = shape.inChannels * filterHeight * filterWidth * outHeight * outWidth;
  if (padBottom < 0 || padRight < 0 || dySize > CONVOLUTION_FORM_LIMIT || pointers > CONVOLUTION_FORM_LIMIT) {
    return null;
  }

  const scratch: tf.TensorInfo[] = [];
  try {
    const xTransposed = storage.runKernel('Transpose', { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
    scratch.push(xTransposed);
    const dyTransposed = storage.runKernel('Transpose', { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
    scratch.push(dyTransposed);
    const product = storage.runKernel(
      'Conv2D',
      { x: xTransposed, filter: dyTransposed },
      {
        strides: 1,
        pad: explicitPadding(padTop, padBottom, padLeft, padRight),
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    );
    scratch.push(product);
    const gradient = storage.runKernel('Transpose', { x: product }, { perm: [1, 2, 0, 3] });
    return { ...gradient, shape: filterShape };
  } finally {
    scratch.forEach((info) => storage.dispose(info));
  }
}

/**
 * dx as a convolution of dy with the rotated filter. `dy` is NHWC, or NCHW
 * when `channelsLast` is false; `filter` is [filterHeight, filterWidth,
 * inChannels, outChannels]. Returns null for strides above 1 and for pads
 * of filterSize or more.
 */
export function inputGradientByConvolution(
  storage: TensorStorage,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  shape: ConvolutionShape,
  channelsLast: boolean,
): tf.TensorInfo | null {
  const { filterHeight, filterWidth, inChannels, outChannels } = shape;
  const top = filterHeight - 1 - shape.padTop;
  const bottom = filterHeight - 1 - shape.padBottom;
  const left = filterWidth - 1 - shape.padLeft;
  const right = filterWidth - 1 - shape.padRight;
  if (shape.strideHeight !== 1 || shape.strideWidth !== 1 || Math.min(top, bottom, left, right) < 0) {
    return null;
  }

  const scratch: tf.TensorInfo[] = [];
  try {
    const rotated = storage.allocate([filterHeight, filterWidth, outChannels, inChannels]);
    scratch.push(rotated);
    rotateFilter(storage.float32(filter), storage.float32(rotated), shape);

    let dyLast = dy;
    if (!channelsLast) {
      dyLast = storage.runKernel('Transpose', { x: dy }, { perm: [0, 2, 3, 1] });
      scratch.push(dyLast);
    }
    const dx = storage.runKernel(
      'Conv2D',
      { x: dyLast, filter: rotated },
      { strides: 1, pad: explicitPadding(top, bottom, left, right), dataFormat: 'NHWC', dilations: 1 },
    );
    if (channelsLast) {
      return dx;
    }
    scratch.push(dx);
    return storage.runKernel('Transpose', { x: dx }, { perm: [0, 3, 1, 2] });
  } finally {
    scratch.forEach((info) => storage.dispose(info));
  }
}

/** rotated[fr, fc, co, ci] = filter[fh − 1 − fr, fw − 1 − fc, ci, co]. */
function rotateFilter(filter: Float32Array, rotated: Float32Array, shape: ConvolutionShape): void {
  const { filterHeight, filterWidth, inChannels, outChannels } = shape;
  let target = 0;
  for (let row = 0; row < filterHeight; row++) {
    for (let column = 0; column < filterWidth; column++) {
      const tap = ((filterHeight - 1 - row) * filterWidth + (filterWidth - 1 - column)) * inChannels * outChannels;
      for (let outChannel = 0; outChannel < outChannels; outChannel++) {
        for (let inChannel = 0; inChannel < inChannels; inChannel++) {
          rotated[target++] = filter[tap + inChannel * outChannels + outChannel];
        }
      }
    }
  }
}
