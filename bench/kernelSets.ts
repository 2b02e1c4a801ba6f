import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CPU_KERNELS } from '../src/engine/tfjs/cpuKernels';
import { getStockKernel, replaceKernel } from '../src/engine/tfjs/kernelRegistration';
import { WASM_KERNELS } from '../src/engine/tfjs/wasmKernels';

/**
 * The sets of kernels a benchmark compares on one backend: the kernels of
 * this working tree, the kernels of an earlier commit (the baseline), and the
 * backend's stock kernels. Switching sets re-registers kernels in the running
 * process, so that both sides of a comparison run back to back on the same
 * data, model and load.
 */

/** Kernel functions by kernel name. */
export type KernelSet = Map<string, tf.KernelFunc>;

export interface BackendKernelSets {
  /** The replacement kernels of this working tree, as installGradientFixes registers them. */
  current: KernelSet;
  /** The replacement kernels of the baseline commit; null without a baseline. */
  baseline: KernelSet | null;
}

function toSet(list: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }>): KernelSet {
  return new Map(list.map(({ kernelName, kernelFunc }) => [kernelName, kernelFunc]));
}

/** Returns the replacement kernels of this working tree for `backendName` ('cpu' or 'wasm'). */
export function currentKernels(backendName: string): KernelSet {
  return toSet(backendName === 'wasm' ? WASM_KERNELS : CPU_KERNELS);
}

/**
 * Loads the cpu and wasm replacement kernels of commit `revision`: extracts
 * its src/engine/tfjs with `git archive` (which reads the repository and
 * writes only to a temporary folder) and imports its cpuKernels.ts and
 * wasmKernels.ts. The extracted modules resolve @tensorflow/tfjs to this
 * checkout's node_modules, so they register into the same engine. The
 * temporary folder is removed when the process exits.
 */
export async function loadBaselineKernels(revision: string): Promise<{ cpu: KernelSet; wasm: KernelSet; commit: string }> {
  const repository = path.resolve(__dirname, '..');
  const commit = execFileSync('git', ['rev-parse', '--short', revision], { cwd: repository, encoding: 'utf8' }).trim();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `hessian-baseline-${commit}-`));
  const archive = execFileSync('git', ['archive', '--format=tar', revision, 'src/engine/tfjs'], { cwd: repository, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', folder], { input: archive });
  const link = path.join(folder, 'node_modules');
  fs.symlinkSync(path.join(repository, 'node_modules'), link, 'dir');
  process.on('exit', () => {
    // Unlink node_modules first, so that removing the folder cannot reach the checkout's packages.
    fs.unlinkSync(link);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const cpuModule = (await import(path.join(folder, 'src/engine/tfjs/cpuKernels.ts'))) as { CPU_KERNELS: typeof CPU_KERNELS };
  const wasmModule = (await import(path.join(folder, 'src/engine/tfjs/wasmKernels.ts'))) as { WASM_KERNELS: typeof WASM_KERNELS };
  return { cpu: toSet(cpuModule.CPU_KERNELS), wasm: toSet(wasmModule.WASM_KERNELS), commit };
}

/**
 * Registers `set` on `backendName`. Every kernel that the current or the
 * baseline set replaces and `set` does not is put back to the backend's stock
 * kernel, or unregistered where the backend has none. So, for instance, the
 * gradient of MaxPoolGrad falls back to the path the baseline took.
 */
export function useKernelSet(backendName: string, set: KernelSet, sets: BackendKernelSets): void {
  const names = new Set([...sets.current.keys(), ...(sets.baseline?.keys() ?? [])]);
  for (const kernelName of names) {
    const kernelFunc = set.get(kernelName);
    if (kernelFunc !== undefined) {
      replaceKernel(kernelName, backendName, kernelFunc);
      continue;
    }
    const stock = getStockKernel(kernelName, backendName);
    if (stock !== undefined && stock !== null) {
      replaceKernel(kernelName, backendName, stock.kernelFunc);
    } else if (stock === null && tf.getKernel(kernelName, backendName) !== undefined) {
      tf.unregisterKernel(kernelName, backendName);
    }
  }
}

/** Returns the stock kernel of `kernelName` on `backendName` (the replaced one, or the registered one where none was replaced), or null where the backend has none. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelFunc | null {
  const stock = getStockKernel(kernelName, backendName);
  if (stock === undefined) {
    return tf.getKernel(kernelName, backendName)?.kernelFunc ?? null;
  }
  return stock?.kernelFunc ?? null;
}
