import type { HessianProducts } from '../hvp/hessianProducts';
import { throwIfCancelled } from '../errors';
import type { LossSlice } from '../report';

export interface LossSliceOptions {
  /** Number of step sizes, odd so that α = 0 is one of them; at least 3. */
  points: number;
  signal?: AbortSignal;
  onStep?(done: number, total: number): void;
}

/**
 * Evaluates the loss along a unit eigenvector u, L(θ + α·u), on an even grid of
 * α from −α_max to α_max. α_max is where the quadratic model λα²/2 predicts a
 * rise of max(L(θ), 0.1), so the plot shows how far the loss follows its
 * second-order model. The parameters are restored before it returns, also on
 * error or cancellation.
 */
export async function computeLossSlice(
  products: HessianProducts,
  direction: Float64Array,
  eigenvalue: number,
  lossAtTheta: number,
  options: LossSliceOptions,
): Promise<LossSlice> {
  const points = Math.max(3, options.points % 2 === 1 ? options.points : options.points + 1);
  const curvature = Math.max(Math.abs(eigenvalue), 1e-12);
  const maxStep = Math.sqrt((2 * Math.max(lossAtTheta, 0.1)) / curvature);
  const alphas = Array.from({ length: points }, (_, i) => -maxStep + (2 * maxStep * i) / (points - 1));

  const theta = await products.parameters();
  const shifted = new Float64Array(theta.length);
  const losses: number[] = [];
  try {
    for (const [i, alpha] of alphas.entries()) {
      throwIfCancelled(options.signal);
      for (let j = 0; j < theta.length; j++) {
        shifted[j] = theta[j] + alpha * direction[j];
      }
      await products.source.writeParameters(shifted);
      losses.push(await products.source.loss());
      options.onStep?.(i + 1, points);
    }
  } finally {
    await products.source.writeParameters(theta);
  }
  return { alphas, losses, eigenvalue };
}
