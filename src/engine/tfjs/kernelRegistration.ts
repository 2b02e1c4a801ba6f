import * as tf from '@tensorflow/tfjs';

/**
 * Registers replacement kernels while keeping the ones they replace, so that
 * tests can compare a replacement with the stock kernel.
 */

const stockKernels = new Map<string, tf.KernelConfig | null>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/**
 * Registers `kernelFunc` as `kernelName` on `backendName`, replacing any kernel
 * registered there before. Calling it again for the same pair replaces the
 * replacement but keeps the original stock kernel.
 */
export function replaceKernel(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, backendName);
  const slot = key(kernelName, backendName);
  if (!stockKernels.has(slot)) {
    stockKernels.set(slot, current ?? null);
  }
  if (current !== undefined) {
    tf.unregisterKernel(kernelName, backendName);
  }
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}

/**
 * Returns the kernel that was registered as `kernelName` on `backendName`
 * before replaceKernel replaced it: null where the backend had none,
 * undefined where it was never replaced.
 */
export function getStockKernel(kernelName: string, backendName: string): tf.KernelConfig | null | undefined {
  return stockKernels.get(key(kernelName, backendName));
}
