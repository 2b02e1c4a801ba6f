import * as tf from '@tensorflow/tfjs';

/**
 * Fixes the order of tape entries so that double backprop through kernels
 * that save their outputs is exact.
 *
 * In TensorFlow.js 4.22 a kernel whose gradient needs its own output (Tanh,
 * Sigmoid, Softmax, Exp, Elu, Pow, Max, Min, MaxPool, LRN and others) keeps that
 * output by cloning it while the kernel runs. The clone's tape entry is pushed
 * before the kernel's own entry, so when gradients flow backwards the clone is
 * reached after the kernel and the second-order term through the saved output
 * is lost (tfjs issue #3252). The Hessian that results is still symmetric, so
 * only a comparison with finite differences shows the error.
 *
 * The fix moves the kernel's entry in front of the entries recorded while it
 * ran. It wraps the engine's private `runKernelFunc`, which is why the
 * TensorFlow.js version is pinned.
 */

interface TapeNode {
  id: number;
}

interface PatchableEngine {
  state: { activeTape: TapeNode[] | null };
  isTapeOn(): boolean;
  runKernelFunc: (params: unknown) => unknown;
  tapeOrderFixed?: boolean;
}

/** Installs the fix on the global engine; calling it again does nothing. */
export function installTapeOrderFix(): void {
  const engine = tf.engine() as unknown as PatchableEngine;
  if (engine.tapeOrderFixed) {
    return;
  }

  const runKernelFunc = engine.runKernelFunc;
  engine.runKernelFunc = function (this: PatchableEngine, params: unknown): unknown {
    const tapeWasOn = this.isTapeOn();
    const tape = this.state.activeTape;
    const start = tapeWasOn && tape !== null ? tape.length : 0;

    const result = runKernelFunc.call(this, params);

    // The last entry is the kernel's own; any entries between `start` and it
    // were recorded by clones made while the kernel ran.
    if (tapeWasOn && tape !== null && this.state.activeTape === tape && tape.length - start >= 2) {
      const kernelNode = tape.pop() as TapeNode;
      tape.splice(start, 0, kernelNode);
    }
    return result;
  };
  engine.tapeOrderFixed = true;
}
