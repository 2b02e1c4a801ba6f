import * as tf from '@tensorflow/tfjs';

/**
 * The im2col and col2im rearrangements that turn a 2D convolution and its two
 * backprop kernels into matrix products,
 *
 *   y = X · W_mat,  dW = Xᵀ · dy  and  dx = col2im(dy · W_matᵀ),
 *
 * where row p = (b, r, c) of the column matrix X contains the input patch that
 * output position (b, r, c) reads, in filter order k = (fr, fc, ci):
 *
 *   X[p, k] = x[b, r·sh − padTop + fr·dh, c·sw − padLeft + fc·dw, ci]  (0 in the padding),
 *
 * and W_mat is the filter [fh, fw, ci, co] read as a [fh·fw·ci, co] matrix.
 */

/** The geometry of one convolution, with x's element strides for either data format. */
export interface ColumnGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  /** Element strides of x (or dx) along batch, row, column and channel. */
  xStrides: [number, number, number, number];
  /** Rows of the column matrix per image: outHeight·outWidth. */
  positions: number;
  /** Columns of the column matrix: filterHeight·filterWidth·inChannels. */
  patchSize: number;
}

/** Builds the geometry from tfjs's Conv2DInfo, for x in the info's data format. */
export function columnGeometry(info: tf.backend_util.Conv2DInfo): ColumnGeometry {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const xStrides: [number, number, number, number] =
    info.dataFormat === 'channelsLast'
      ? [inHeight * inWidth * inChannels, inWidth * inChannels, inChannels, 1]
      : [inChannels * inHeight * inWidth, inWidth, 1, inHeight * inWidth];
  return {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    xStrides,
    positions: outHeight * outWidth,
    patchSize: filterHeight * filterWidth * inChannels,
  };
}

/** Returns the output columns [first, end) whose input column lies inside the image, for filter column `filterColumn`. */
function validColumns(geometry: ColumnGeometry, filterColumn: number): [number, number] {
  const offset = filterColumn * geometry.dilationWidth - geometry.padLeft;
  const first = Math.max(0, Math.ceil(-offset / geometry.strideWidth));
  const end = Math.min(geometry.outWidth, Math.floor((geometry.inWidth - 1 - offset) / geometry.strideWidth) + 1);
  return [first, Math.max(first, end)];
}

/**
 * Writes X for the images [batchStart, batchStart + batchCount) of `x` into
 * `columns`, a row-major [batchCount·positions, patchSize] matrix, so that
 * the forward convolution is X · W_mat. Every element of `columns` is written.
 */
export function writeColumns(
  x: Float32Array,
  geometry: ColumnGeometry,
  batchStart: number,
  batchCount: number,
  columns: Float32Array,
): void {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, inChannels } = geometry;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = geometry;
  const [batchStride, rowStride, columnStride, channelStride] = geometry.xStrides;
  const tapRow = filterWidth * inChannels;

  let out = 0;
  for (let b = batchStart; b < batchStart + batchCount; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        for (let filterRow = 0; filterRow < filterHeight; filterRow++) {
          const inRow = outRow * strideHeight - padTop + filterRow * dilationHeight;
          if (inRow < 0 || inRow >= inHeight) {
            columns.fill(0, out, out + tapRow);
            out += tapRow;
            continue;
          }
          for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
            const inColumn = outColumn * strideWidth - padLeft + filterColumn * dilationWidth;
            if (inColumn < 0 || inColumn >= inWidth) {
              columns.fill(0, out, out + inChannels);
              out += inChannels;
              continue;
            }
            let source = b * batchStride + inRow * rowStride + inColumn * columnStride;
            for (let channel = 0; channel < inChannels; channel++, source += channelStride) {
              columns[out++] = x[source];
            }
          }
        }
      }
    }
  }
}

/**
 * Writes Xᵀ for the images [batchStart, batchStart + batchCount) of `x` into
 * `columns`, a row-major [patchSize, batchCount·positions] matrix, so that
 * dW = Xᵀ · dy is a plain matrix product. Every element of `columns` is written.
 */
export function writeTransposedColumns(
  x: Float32Array,
  geometry: ColumnGeometry,
  batchStart: number,
  batchCount: number,
  columns: Float32Array,
): void {
  const { inHeight, outHeight, outWidth, filterHeight, filterWidth, inChannels } = geometry;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = geometry;
  const [batchStride, rowStride, columnStride, channelStride] = geometry.xStrides;
  const step = strideWidth * columnStride;

  let out = 0;
  for (let filterRow = 0; filterRow < filterHeight; filterRow++) {
    for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
      const [first, end] = validColumns(geometry, filterColumn);
      const columnOffset = (first * strideWidth + filterColumn * dilationWidth - padLeft) * columnStride;

      for (let channel = 0; channel < inChannels; channel++) {
        for (let b = batchStart; b < batchStart + batchCount; b++) {
          const imageBase = b * batchStride + channel * channelStride;
          for (let outRow = 0; outRow < outHeight; outRow++) {
            const inRow = outRow * strideHeight - padTop + filterRow * dilationHeight;
            if (inRow < 0 || inRow >= inHeight) {
              columns.fill(0, out, out + outWidth);
              out += outWidth;
              continue;
            }
            let outColumn = 0;
            for (; outColumn < first; outColumn++) {
              columns[out++] = 0;
            }
            let source = imageBase + inRow * rowStride + columnOffset;
            for (; outColumn < end; outColumn++) {
              columns[out++] = x[source];
              source += step;
            }
            for (; outColumn < outWidth; outColumn++) {
              columns[out++] = 0;
            }
          }
        }
      }
    }
  }
}

/**
 * Adds the column matrix `columns` ([batchCount·positions, patchSize],
 * row-major) back onto the images [batchStart, batchStart + batchCount) of
 * `dx` (channels last): col2im, the adjoint of the im2col above. The caller
 * zeroes those images of `dx` first.
 */
export function addColumnsToImages(
  columns: Float32Array,
  geometry: ColumnGeometry,
  batchStart: number,
  batchCount: number,
  dx: Float32Array,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, patchSize } = geometry;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft } = geometry;
  const imageSize = inHeight * inWidth * inChannels;
  const firstColumns = new Int32Array(filterWidth);
  const endColumns = new Int32Array(filterWidth);
  for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
    [firstColumns[filterColumn], endColumns[filterColumn]] = validColumns(geometry, filterColumn);
  }

  let row = 0;
  for (let b = batchStart; b < batchStart + batchCount; b++) {
    const imageBase = b * imageSize;
    for (let outRow = 0; outRow < outHeight; outRow++) {
      for (let outColumn = 0; outColumn < outWidth; outColumn++, row++) {
        const rowBase = row * patchSize;
        for (let filterRow = 0; filterRow < filterHeight; filterRow++) {
          const inRow = outRow * strideHeight - padTop + filterRow * dilationHeight;
          if (inRow < 0 || inRow >= inHeight) {
            continue;
          }
          const lineBase = imageBase + inRow * inWidth * inChannels;
          for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
            if (outColumn < firstColumns[filterColumn] || outColumn >= endColumns[filterColumn]) {
              continue;
            }
            const inColumn = outColumn * strideWidth - padLeft + filterColumn * dilationWidth;
            const target = lineBase + inColumn * inChannels;
            const source = rowBase + (filterRow * filterWidth + filterColumn) * inChannels;
            for (let channel = 0; channel < inChannels; channel++) {
              dx[target + channel] += columns[source + channel];
            }
          }
        }
      }
    }
  }
}
