/**
 * Matching of a data sample's shape to a model's, allowing only dimensions of
 * size 1 to be added or dropped. Such a reshape never moves an element in
 * row-major order, so the data is used as it is, under the new shape.
 */

/**
 * Returns the model's sample shape with its unknown (null) dimensions taken
 * from the data, or null when the shapes differ by more than dimensions of size 1.
 *
 * @param dataShape Shape of one sample of the data, for instance [28, 28, 1].
 * @param modelShape Shape of one sample the model takes, without the batch
 *   dimension, for instance [28, 28] or [null, 8]. A null dimension may have any size.
 */
export function matchSampleShape(dataShape: readonly number[], modelShape: readonly (number | null)[]): number[] | null {
  if (dataShape.length === modelShape.length && modelShape.every((dimension, i) => dimension === null || dimension === dataShape[i])) {
    return [...dataShape];
  }

  const dataCore = dataShape.filter((dimension) => dimension !== 1);
  const modelCore = modelShape.filter((dimension) => dimension !== 1);
  if (dataCore.length !== modelCore.length || !modelCore.every((dimension, i) => dimension === null || dimension === dataCore[i])) {
    return null;
  }

  let next = 0;
  return modelShape.map((dimension) => (dimension === 1 ? 1 : dataCore[next++]));
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dimension, i) => dimension === b[i]);
}

/** Number of elements of a shape (1 for the empty shape of a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}
