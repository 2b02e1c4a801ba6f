import { applyOperator, validateOperatorSize, type RunOptions, type SymmetricOperator } from './operator';

/**
 * A dense real matrix in row-major order: entry (i, j) is `data[i·columns + j]`.
 * Used for oracles in tests and for Hessians small enough to form explicitly.
 */
export interface DenseMatrix {
  readonly rows: number;
  readonly columns: number;
  readonly data: Float64Array;
}

/** Creates a matrix from an array of equally long rows. */
export function matrixFromRows(rows: readonly ArrayLike<number>[]): DenseMatrix {
  const rowCount = rows.length;
  const columnCount = rowCount === 0 ? 0 : rows[0].length;
  const data = new Float64Array(rowCount * columnCount);
  for (let i = 0; i < rowCount; i++) {
    if (rows[i].length !== columnCount) {
      throw new RangeError(`Row ${i} has ${rows[i].length} entries, but row 0 has ${columnCount}.`);
    }
    data.set(rows[i], i * columnCount);
  }
  return { rows: rowCount, columns: columnCount, data };
}

/** Returns the matrix-vector product M·x. */
export function multiplyMatrixVector(matrix: DenseMatrix, vector: ArrayLike<number>): Float64Array {
  if (vector.length !== matrix.columns) {
    throw new RangeError(`A ${matrix.rows}×${matrix.columns} matrix cannot multiply a vector of length ${vector.length}.`);
  }

  const product = new Float64Array(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) {
    const offset = i * matrix.columns;
    let total = 0;
    for (let j = 0; j < matrix.columns; j++) {
      total += matrix.data[offset + j] * vector[j];
    }
    product[i] = total;
  }
  return product;
}

/**
 * Returns the largest |M[i][j] − M[j][i]| of a square matrix, the distance from
 * symmetry in the max norm.
 */
export function asymmetry(matrix: DenseMatrix): number {
  requireSquare(matrix);
  const size = matrix.rows;
  let largest = 0;
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      largest = Math.max(largest, Math.abs(matrix.data[i * size + j] - matrix.data[j * size + i]));
    }
  }
  return largest;
}

/** Returns the symmetric part (M + Mᵀ)/2 of a square matrix. */
export function symmetricPart(matrix: DenseMatrix): DenseMatrix {
  requireSquare(matrix);
  const size = matrix.rows;
  const data = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      data[i * size + j] = (matrix.data[i * size + j] + matrix.data[j * size + i]) / 2;
    }
  }
  return { rows: size, columns: size, data };
}

/**
 * Wraps a symmetric dense matrix as a SymmetricOperator. The matrix is not
 * copied, so it must not change while the operator is in use.
 *
 * @throws RangeError when the matrix is not square.
 */
export function denseOperator(matrix: DenseMatrix): SymmetricOperator {
  requireSquare(matrix);
  return {
    size: matrix.rows,
    apply: async (vector) => multiplyMatrixVector(matrix, vector),
  };
}

/**
 * Forms the n × n matrix of an operator column by column, column j = A·eⱼ, with
 * n operator applications. A Hessian formed from float32 products is symmetric
 * only up to rounding, so pass it through `symmetricPart` before a symmetric
 * eigensolver.
 */
export async function materializeOperator(operator: SymmetricOperator, options: RunOptions = {}): Promise<DenseMatrix> {
  const size = validateOperatorSize(operator);
  const data = new Float64Array(size * size);

  for (let j = 0; j < size; j++) {
    const unit = new Float64Array(size);
    unit[j] = 1;
    const column = await applyOperator(operator, unit, options.signal);
    for (let i = 0; i < size; i++) {
      data[i * size + j] = column[i];
    }
    options.onStep?.(j + 1, size);
  }
  return { rows: size, columns: size, data };
}

/** Throws a RangeError unless the matrix is square. */
export function requireSquare(matrix: DenseMatrix): void {
  if (matrix.rows !== matrix.columns) {
    throw new RangeError(`Expected a square matrix, got ${matrix.rows}×${matrix.columns}.`);
  }
}
