import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';

import { installCpuKernels } from './cpuKernels';
import { replaceKernel } from './kernelRegistration';
import { maxPoolWithArgmax } from './kernels/maxPool';
import { installSecondOrderGradients } from './secondOrderGradients';
import { installTapeOrderFix } from './tapeOrder';
import { installWasmKernels } from './wasmKernels';
import { installZeroGradients } from './zeroGradients';

/**
 * The fixes that make double backprop (exact Hessian-vector products) correct
 * on TensorFlow.js 4.22.0, and the choice of backend they run on.
 */

export {
  configuredWasmBinaryFolder,
  defaultWasmBinaryFolder,
  missingWasmBinaries,
  selectBackend,
  setWasmBinaryFolder,
  type BackendSelection,
} from './backend';
export { getStockKernel } from './kernelRegistration';
export { SELF_TEST_TOLERANCE, runSelfTest, type SelfTestCheck, type SelfTestResult } from './selfTest';
export {
  VERIFIED_ACTIVATIONS,
  VERIFIED_LAYER_CLASSES,
  findUnverifiedLayers,
  isVerifiedLayerClass,
  type UnverifiedLayer,
} from './verifiedLayers';

/** The TensorFlow.js version these fixes are written for and tested with. */
export const FIXED_TFJS_VERSION = '4.22.0';

const backendsWithKernels = new Set<string>();

/**
 * Installs every fix for the active backend: the tape-order fix, zero
 * gradients for logical and comparison kernels, gradients of backprop
 * kernels, and the active backend's replacement kernels. Kernels are
 * registered per backend, so call it after selectBackend, and again after
 * switching backends; each part is installed once.
 *
 * Throws when the loaded TensorFlow.js or its wasm backend is not
 * FIXED_TFJS_VERSION, because the tape-order fix patches a private engine
 * method of that version and the kernels replace that version's kernels.
 */
export function installGradientFixes(): void {
  for (const [name, version] of [
    ['@tensorflow/tfjs-core', tf.version_core],
    ['@tensorflow/tfjs-backend-wasm', version_wasm],
  ]) {
    if (version !== FIXED_TFJS_VERSION) {
      throw new Error(
        `The gradient fixes are written for ${name} ${FIXED_TFJS_VERSION}, but ${version} is loaded; ` +
          `install @tensorflow/tfjs@${FIXED_TFJS_VERSION} and @tensorflow/tfjs-backend-wasm@${FIXED_TFJS_VERSION}.`,
      );
    }
  }

  installTapeOrderFix();
  installZeroGradients();
  installSecondOrderGradients();

  const backendName = tf.getBackend();
  if (backendsWithKernels.has(backendName)) {
    return;
  }
  if (backendName === 'cpu') {
    installCpuKernels();
  } else if (backendName === 'wasm') {
    installWasmKernels();
  } else if (tf.getKernel('MaxPoolWithArgmax', backendName) === undefined) {
    // The gradient of MaxPoolGrad needs this kernel.
    // NOTE: on tfjs-node its ties must be broken as TensorFlow's MaxPoolGrad
    // breaks them, which should be the first maximum in row-major window
    // order, as here. No test checks that, because tfjs-node does not install
    // on the development machines. The self-test's max-pool check would fail
    // if the products came out wrong.
    replaceKernel('MaxPoolWithArgmax', backendName, maxPoolWithArgmax as unknown as tf.KernelFunc);
  }
  backendsWithKernels.add(backendName);
}
