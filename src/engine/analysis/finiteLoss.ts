import { InputError } from '../errors';
import type { ParameterLayout } from '../hvp/parameters';

/**
 * Rejects a model whose loss on the data is NaN or infinite. Every curvature
 * figure would be NaN as well, because the products run in float32, where
 * weights or activations beyond about 3.4e38 overflow. The error names the
 * largest weight, which is the usual cause, and the data scaling, the other.
 *
 * @param readParameters Returns θ in the order of `layout`; called only for a non-finite loss.
 * @throws InputError naming the model file.
 */
export async function assertFiniteLoss(
  loss: number,
  modelPath: string,
  dataPath: string,
  layout: ParameterLayout,
  readParameters: () => Promise<Float64Array>,
): Promise<void> {
  if (Number.isFinite(loss)) {
    return;
  }

  const parameters = await readParameters();

  let largest = 0;
  let largestAt = 0;
  for (let i = 0; i < parameters.length; i++) {
    if (Math.abs(parameters[i]) > Math.abs(largest)) {
      largest = parameters[i];
      largestAt = i;
    }
  }
  const block = layout.blocks.find((candidate) => largestAt >= candidate.offset && largestAt < candidate.offset + candidate.size);
  const where = block === undefined ? '' : ` in layer ${block.layerName}`;
  throw new InputError(
    modelPath,
    `the loss on ${dataPath} is ${loss}, so no curvature can be computed in float32 (the largest weight is ${largest.toPrecision(3)}${where})`,
    'Check the weights for overflowed values, and that the data are scaled as they were in training',
  );
}
