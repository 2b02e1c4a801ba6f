/**
 * Source of gradients and Hessian-vector products of the mean loss: the
 * current thread (LocalProductSource) or a pool of worker threads that each
 * have a share of the samples (WorkerProductSource). Every result is for the
 * mean loss over all the source's samples, summed in float64.
 */
export interface ProductSource {
  /** n, the number of parameters. */
  readonly size: number;
  /** Samples the loss is averaged over. */
  readonly samples: number;

  /** H v by double backprop. */
  exactHvp(vector: Float64Array): Promise<Float64Array>;
  /**
   * H_bb v_b by double backprop restricted to block `blockIndex` of the
   * parameter layout (layers with weights, in layer order). `vector` and the
   * result have the block's length.
   */
  exactBlockHvp(blockIndex: number, vector: Float64Array): Promise<Float64Array>;
  /** Mean loss and its gradient. */
  gradient(): Promise<{ loss: number; gradient: Float64Array }>;
  /** Mean loss and the model's predictions, row-major in sample order. */
  evaluate(): Promise<{ loss: number; predictions: Float32Array }>;
  /** Mean loss by forward passes only. */
  loss(): Promise<number>;
  /** The current parameter vector θ. */
  readParameters(): Promise<Float64Array>;
  /** Sets θ (rounded to float32) everywhere the source computes. */
  writeParameters(values: Float64Array): Promise<void>;
  /** Frees the samples and, for workers, stops the threads. */
  dispose(): Promise<void>;
}
