import { estimateMean, type MeanEstimate } from './statistics';

/** A slice [offset, offset + size) of a vector, such as one layer's parameters. */
export interface IndexBlock {
  offset: number;
  size: number;
}

/** z_bᵀ·(A·z)_b for each block b: one Hutchinson draw of each block trace tr(A_bb). */
export function blockQuadratics(blocks: readonly IndexBlock[], probe: ArrayLike<number>, product: ArrayLike<number>): number[] {
  return blocks.map((block) => {
    let quadratic = 0;
    for (let i = block.offset; i < block.offset + block.size; i++) {
      quadratic += probe[i] * product[i];
    }
    return quadratic;
  });
}

/** Block trace estimates from per-probe draws: offsets[b] plus the mean of draws[probe][b]. */
export function blockTraceEstimates(draws: readonly number[][], offsets: readonly number[]): MeanEstimate[] {
  return offsets.map((offset, b) => {
    const estimate = estimateMean(draws.map((row) => row[b]));
    return { mean: offset + estimate.mean, standardError: estimate.standardError };
  });
}
