import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import type { DenseMatrix } from '../../../src/engine/linalg/denseMatrix';
import type { SymmetricOperator } from '../../../src/engine/linalg/operator';

/** A dense symmetric matrix A = Q·diag(λ)·Qᵀ built from a known spectrum. */
export interface KnownSpectrumMatrix {
  matrix: DenseMatrix;
  /** The spectrum λ, ascending. */
  eigenvalues: Float64Array;
  /** Orthonormal eigenvectors, eigenvectors[i] belonging to eigenvalues[i]. */
  eigenvectors: Float64Array[];
}

/**
 * Builds A = Q·diag(λ)·Qᵀ with a random orthogonal Q, the product of n
 * Householder reflections I − 2uuᵀ with Gaussian u. Independent of the code
 * under test: no Gram–Schmidt, no eigensolver.
 */
export function matrixWithSpectrum(spectrum: ArrayLike<number>, seed: number): KnownSpectrumMatrix {
  const eigenvalues = Float64Array.from(spectrum).sort();
  const size = eigenvalues.length;
  const random = createRandom(seed, 'fixture-orthogonal');

  // q is Q in row-major order. Start from the identity and multiply by reflections on the right.
  const q = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    q[i * size + i] = 1;
  }
  for (let reflection = 0; reflection < size; reflection++) {
    const u = normalVector(random, size);
    let length = 0;
    for (const entry of u) {
      length += entry * entry;
    }
    length = Math.sqrt(length);
    for (let i = 0; i < size; i++) {
      u[i] /= length;
    }
    for (let i = 0; i < size; i++) {
      let projection = 0;
      for (let j = 0; j < size; j++) {
        projection += q[i * size + j] * u[j];
      }
      for (let j = 0; j < size; j++) {
        q[i * size + j] -= 2 * projection * u[j];
      }
    }
  }

  const data = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      let entry = 0;
      for (let k = 0; k < size; k++) {
        entry += q[i * size + k] * eigenvalues[k] * q[j * size + k];
      }
      data[i * size + j] = entry;
      data[j * size + i] = entry;
    }
  }

  const eigenvectors = Array.from(eigenvalues, (_, k) => Float64Array.from({ length: size }, (_, i) => q[i * size + k]));
  return { matrix: { rows: size, columns: size, data }, eigenvalues, eigenvectors };
}

/** Evenly spaced values from `low` to `high` inclusive. */
export function linearSpace(low: number, high: number, count: number): number[] {
  if (count === 1) {
    return [low];
  }
  return Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
}

/** An operator that counts its applications, for checking budgets and cancellation. */
export interface CountingOperator extends SymmetricOperator {
  readonly applications: number;
}

export function countingOperator(inner: SymmetricOperator): CountingOperator {
  let applications = 0;
  return {
    size: inner.size,
    get applications() {
      return applications;
    },
    apply: async (vector) => {
      applications++;
      return inner.apply(vector);
    },
  };
}

/**
 * Creates the n × n 1-D Laplacian tridiag(−1, 2, −1) as a matrix-free
 * operator. Its eigenvalues are 2 − 2cos(kπ/(n + 1)), k = 1 … n.
 */
export function laplacianOperator(size: number): SymmetricOperator {
  return {
    size,
    apply: async (vector) => {
      const product = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        product[i] = 2 * vector[i] - (i > 0 ? vector[i - 1] : 0) - (i < size - 1 ? vector[i + 1] : 0);
      }
      return product;
    },
  };
}

/** Returns the closed-form eigenvalues of the n × n 1-D Laplacian, ascending. */
export function laplacianEigenvalues(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, i) => 2 - 2 * Math.cos(((i + 1) * Math.PI) / (size + 1)));
}

/** Returns ‖A·v − θ·v‖ for a dense A. */
export function residualNorm(matrix: DenseMatrix, value: number, vector: ArrayLike<number>): number {
  const size = matrix.rows;
  let total = 0;
  for (let i = 0; i < size; i++) {
    let entry = -value * vector[i];
    for (let j = 0; j < size; j++) {
      entry += matrix.data[i * size + j] * vector[j];
    }
    total += entry * entry;
  }
  return Math.sqrt(total);
}

/** Returns the largest |λ| of a spectrum. */
export function spectralNorm(eigenvalues: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    largest = Math.max(largest, Math.abs(eigenvalues[i]));
  }
  return largest;
}

/** Returns the distance from `value` to the nearest entry of a spectrum. */
export function distanceToSpectrum(value: number, eigenvalues: ArrayLike<number>): number {
  let nearest = Infinity;
  for (let i = 0; i < eigenvalues.length; i++) {
    nearest = Math.min(nearest, Math.abs(value - eigenvalues[i]));
  }
  return nearest;
}

/** Returns an AbortSignal that aborts once `onStep` reports `abortAfter` applications. */
export function abortAfterSteps(abortAfter: number): { signal: AbortSignal; onStep: (done: number) => void } {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onStep: (done: number) => {
      if (done >= abortAfter) {
        controller.abort();
      }
    },
  };
}
