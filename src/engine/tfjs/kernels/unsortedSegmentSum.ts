import * as tf from '@tensorflow/tfjs';

import { requireInput, type KernelArguments } from './kernelIo';
import { tensorStorage } from './tensorStorage';

/**
 * UnsortedSegmentSum: out[s, …] = Σ x[i, …] over the i with segmentIds[i] = s.
 *
 * `segmentIds` (int32) has the shape of a leading part of x's shape; the
 * remaining dimensions of x are summed as rows. Ids that are negative or not
 * below attrs.numSegments are dropped, as in the stock cpu kernel of tfjs 4.22
 * (which makes one masked pass over x per segment). The wasm backend has no
 * such kernel; it is the gradient of a gather, as in an Embedding layer.
 * Returns out of shape [numSegments, ...x.shape.slice(segmentIds.rank)].
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'UnsortedSegmentSum');
  const segmentIds = requireInput(inputs, 'segmentIds', 'UnsortedSegmentSum');
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const storage = tensorStorage(backend);
  const ids = segmentIds.dtype === 'int32' ? storage.int32(segmentIds) : Int32Array.from(backend.readSync(segmentIds.dataId) as ArrayLike<number>);
  const xValues = storage.float32(x);

  const rowShape = x.shape.slice(segmentIds.shape.length);
  if (!tf.util.arraysEqual(segmentIds.shape, x.shape.slice(0, segmentIds.shape.length))) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(', ')}] must be a leading part ` +
        `of the x shape [${x.shape.join(', ')}].`,
    );
  }
  const rowSize = tf.util.sizeFromShape(rowShape);

  const sums = new Float64Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) {
      continue;
    }
    const source = i * rowSize;
    const target = segment * rowSize;
    for (let j = 0; j < rowSize; j++) {
      sums[target + j] += xValues[source + j];
    }
  }
  const output = storage.allocate([numSegments, ...rowShape]);
  storage.float32(output).set(sums);
  return output;
}
