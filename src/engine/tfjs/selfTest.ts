import * as tf from '@tensorflow/tfjs';

import { withTapeCleanup } from '../hvp/gradients';
import { computeLoss } from '../losses';

/**
 * A start-up check that the gradient fixes took effect on the active
 * backend: Hessian-vector products by double backprop of small functions
 * whose Hessians are known in closed form. Each check exercises one fix; the
 * engine refuses exact Hessian-vector products when any check fails.
 */

/** One closed-form check. */
export interface SelfTestCheck {
  name: string;
  /** ‖H v (double backprop) − H v (closed form)‖ / ‖H v (closed form)‖; NaN when the product threw. */
  relativeError: number;
  passed: boolean;
  /** The message of the error thrown by the double backprop, if any. */
  error?: string;
}

export interface SelfTestResult {
  passed: boolean;
  /** Backend the checks ran on. */
  backend: string;
  /** Largest relative error over the checks; Infinity when one threw. */
  worstRelativeError: number;
  /** Name of the first failed check, or null. */
  failedCheck: string | null;
  tolerance: number;
  checks: SelfTestCheck[];
}

/**
 * Default tolerance on the relative error. The products are float32 sums of
 * a few dozen terms of size about 1, so a correct product is within about
 * 1e-6; the errors the fixes remove are 1e-2 and larger.
 */
export const SELF_TEST_TOLERANCE = 1e-4;

interface ClosedFormCase {
  name: string;
  /** Point x, shape and probe v, each flat. */
  point: number[];
  shape: number[];
  probe: number[];
  /** The scalar function of x. */
  f: (x: tf.Tensor) => tf.Scalar;
  /** H v at the point, in float64. */
  expected: (point: number[], probe: number[]) => number[];
}

/** Runs every check on the active backend; never throws for a failed check. */
export function runSelfTest(tolerance = SELF_TEST_TOLERANCE): SelfTestResult {
  const checks = CLOSED_FORM_CASES.map((check) => runCheck(check, tolerance));
  const failed = checks.find((check) => !check.passed);
  const errors = checks.map((check) => (Number.isNaN(check.relativeError) ? Number.POSITIVE_INFINITY : check.relativeError));
  return {
    passed: failed === undefined,
    backend: tf.getBackend(),
    worstRelativeError: Math.max(...errors),
    failedCheck: failed?.name ?? null,
    tolerance,
    checks,
  };
}

function runCheck(check: ClosedFormCase, tolerance: number): SelfTestCheck {
  const expected = check.expected(check.point, check.probe);
  let actual: Float32Array;
  try {
    actual = hessianVectorProduct(check);
  } catch (error) {
    return {
      name: check.name,
      relativeError: Number.NaN,
      passed: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }

  let difference = 0;
  let reference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference += (actual[i] - expected[i]) ** 2;
    reference += expected[i] ** 2;
  }
  const relativeError = Math.sqrt(difference / reference);
  return { name: check.name, relativeError, passed: relativeError <= tolerance };
}

/** H v = ∇ₓ ⟨∇ₓ f(x), v⟩ by double backprop. */
function hessianVectorProduct(check: ClosedFormCase): Float32Array {
  return withTapeCleanup(() =>
    tf.tidy(() => {
      const x = tf.tensor(check.point, check.shape, 'float32');
      const v = tf.tensor(check.probe, check.shape, 'float32');
      const directional = (point: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.grad(check.f)(point), v));
      return Float32Array.from(tf.grad(directional)(x).dataSync());
    }),
  );
}

const tanhSecond = (x: number): number => {
  const t = Math.tanh(x);
  return -2 * t * (1 - t * t);
};

const sigmoidSecond = (x: number): number => {
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 - s) * (1 - 2 * s);
};

const diagonal =
  (second: (x: number) => number) =>
  (point: number[], probe: number[]): number[] =>
    point.map((x, i) => second(x) * probe[i]);

/** Row-major offsets of a [1, height, width, 1] image. */
const pixel = (width: number, row: number, column: number): number => row * width + column;

/**
 * Σₒ tanh''(yₒ)·⟨aₒ, v⟩·aₒ for y = A x, where aₒ are the rows of A given as
 * sparse (index, weight) lists: the Hessian of Σ tanh(A x) times v.
 */
function tanhOfLinearMap(rows: Array<Array<[number, number]>>, point: number[], probe: number[]): number[] {
  const result = new Array<number>(point.length).fill(0);
  for (const row of rows) {
    const value = row.reduce((sum, [index, weight]) => sum + weight * point[index], 0);
    const projection = row.reduce((sum, [index, weight]) => sum + weight * probe[index], 0);
    const scale = tanhSecond(value) * projection;
    for (const [index, weight] of row) {
      result[index] += scale * weight;
    }
  }
  return result;
}

// A 4×4 image whose top-left 2×2 window is all negative: the stock wasm
// MaxPoolGrad of tfjs 4.22 routes such a window to its first element.
const IMAGE = [-0.9, -0.2, 0.5, 0.1, -0.4, -0.7, 0.3, 0.8, 0.6, -0.1, 0.2, -0.5, 0.9, 0.4, -0.3, 0.7];
const IMAGE_PROBE = [0.3, -1.1, 0.7, 0.2, 1.3, -0.4, 0.9, -0.6, -0.8, 0.5, 1.2, 0.1, -0.2, 0.6, -1.0, 0.4];

const CLOSED_FORM_CASES: ClosedFormCase[] = [
  {
    // Tape-order fix: Tanh saves its output.
    name: 'tanh',
    point: [-1.5, -0.3, 0.4, 2],
    shape: [4],
    probe: [0.7, -1.2, 0.5, 1.1],
    f: (x) => tf.sum(tf.tanh(x)),
    expected: diagonal(tanhSecond),
  },
  {
    name: 'sigmoid',
    point: [-2, -0.5, 0.3, 1.7],
    shape: [4],
    probe: [1.0, 0.4, -0.9, 0.6],
    f: (x) => tf.sum(tf.sigmoid(x)),
    expected: diagonal(sigmoidSecond),
  },
  {
    // Gradient of EluGrad; elu''(x) = exp(x) below 0 and 0 above.
    name: 'elu',
    point: [-1.2, -0.4, 0.6, 1.5],
    shape: [4],
    probe: [0.8, -0.5, 1.3, 0.2],
    f: (x) => tf.sum(tf.elu(x)),
    expected: diagonal((x) => (x < 0 ? Math.exp(x) : 0)),
  },
  {
    // Tape order for Softmax and zero gradients for the clip's LogicalAnd:
    // the Hessian of −log softmax(z)ₖ is diag(p) − p pᵀ.
    name: 'softmax cross-entropy',
    point: [0.5, -1.0, 1.5, 0.2],
    shape: [1, 4],
    probe: [1.0, -0.3, 0.6, -1.4],
    f: (z) => computeLoss('categorical_crossentropy', tf.softmax(z), tf.tensor2d([[0, 0, 1, 0]])),
    expected: (point, probe) => {
      const exponentials = point.map(Math.exp);
      const total = exponentials.reduce((a, b) => a + b, 0);
      const p = exponentials.map((value) => value / total);
      const projection = p.reduce((sum, value, i) => sum + value * probe[i], 0);
      return p.map((value, i) => value * probe[i] - value * projection);
    },
  },
  {
    // Gradient of Conv2DBackpropFilter (and the kernel itself on wasm): the
    // Hessian with respect to a 2×2×1×1 filter of Σ tanh(conv2d(image, W)).
    name: 'conv2d filter',
    point: [0.6, -0.4, 0.3, 0.9],
    shape: [2, 2, 1, 1],
    probe: [-0.7, 1.1, 0.5, -0.2],
    f: (filter) => tf.sum(tf.tanh(tf.conv2d(tf.tensor4d(IMAGE, [1, 4, 4, 1]), filter as tf.Tensor4D, 1, 'valid'))),
    expected: (point, probe) => {
      // With x fixed the convolution is linear in W: yₒ = Σₖ patchₒ[k]·W[k].
      const result = [0, 0, 0, 0];
      for (let row = 0; row < 3; row++) {
        for (let column = 0; column < 3; column++) {
          const patch = [
            IMAGE[pixel(4, row, column)],
            IMAGE[pixel(4, row, column + 1)],
            IMAGE[pixel(4, row + 1, column)],
            IMAGE[pixel(4, row + 1, column + 1)],
          ];
          const value = patch.reduce((sum, x, k) => sum + x * point[k], 0);
          const projection = patch.reduce((sum, x, k) => sum + x * probe[k], 0);
          patch.forEach((x, k) => (result[k] += tanhSecond(value) * projection * x));
        }
      }
      return result;
    },
  },
  {
    // Gradient of MaxPoolGrad and the max-pooling kernels: max pooling picks
    // one element per window, so Σ tanh(maxPool(x)) is Σ tanh(A x) with A
    // selecting each window's argmax.
    name: 'max pool',
    point: IMAGE,
    shape: [1, 4, 4, 1],
    probe: IMAGE_PROBE,
    f: (x) => tf.sum(tf.tanh(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'))),
    expected: (point, probe) => {
      const rows: Array<Array<[number, number]>> = [];
      for (let row = 0; row < 4; row += 2) {
        for (let column = 0; column < 4; column += 2) {
          const window = [pixel(4, row, column), pixel(4, row, column + 1), pixel(4, row + 1, column), pixel(4, row + 1, column + 1)];
          const argmax = window.reduce((best, index) => (point[index] > point[best] ? index : best));
          rows.push([[argmax, 1]]);
        }
      }
      return tanhOfLinearMap(rows, point, probe);
    },
  },
  {
    // Gradient of AvgPoolGrad and the adjoint AvgPoolGrad kernels: with
    // 'same' padding a border window averages only the pixels inside.
    name: 'average pool same',
    point: IMAGE.slice(0, 9),
    shape: [1, 3, 3, 1],
    probe: IMAGE_PROBE.slice(0, 9),
    f: (x) => tf.sum(tf.tanh(tf.avgPool(x as tf.Tensor4D, 2, 1, 'same'))),
    expected: (point, probe) => {
      const rows: Array<Array<[number, number]>> = [];
      for (let row = 0; row < 3; row++) {
        for (let column = 0; column < 3; column++) {
          const window: number[] = [];
          for (let r = row; r < Math.min(3, row + 2); r++) {
            for (let c = column; c < Math.min(3, column + 2); c++) {
              window.push(pixel(3, r, c));
            }
          }
          rows.push(window.map((index): [number, number] => [index, 1 / window.length]));
        }
      }
      return tanhOfLinearMap(rows, point, probe);
    },
  },
];
