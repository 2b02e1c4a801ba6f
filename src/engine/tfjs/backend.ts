import * as fs from 'fs';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';

import type { BackendPreference } from '../api';
import { UsageError } from '../errors';

/**
 * Choice of the TensorFlow.js backend: tfjs-node (registered as
 * 'tensorflow') where it loads, else wasm, else the pure-JavaScript cpu
 * backend. The fixes of this folder are written for TensorFlow.js 4.22.0,
 * which package.json pins.
 */

/** The backend that `selectBackend` activated. */
export interface BackendSelection {
  /** TensorFlow.js backend name: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  name: string;
  /** Reasons, one sentence each, for skipping the backends preferred over `name`. */
  fallbacks: string[];
}

const BACKEND_NAMES: Record<Exclude<BackendPreference, 'auto'>, string> = {
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

let wasmBinaryFolder: string | null = null;

/**
 * Sets the folder that contains the wasm backend's binaries
 * (tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and
 * tfjs-backend-wasm-threaded-simd.wasm). A webpack bundle must call it with
 * the folder it copies them to, because the package's own folder cannot be
 * found from inside the bundle. Takes effect only before the wasm backend is
 * first initialized.
 */
export function setWasmBinaryFolder(folder: string): void {
  wasmBinaryFolder = folder;
}

/** The folder set by setWasmBinaryFolder, or null; worker threads get the same one. */
export function configuredWasmBinaryFolder(): string | null {
  return wasmBinaryFolder;
}

/**
 * The dist folder of the installed @tensorflow/tfjs-backend-wasm package, or
 * null when it cannot be resolved (inside a bundle, require.resolve returns a
 * module id, not a path).
 */
export function defaultWasmBinaryFolder(): string | null {
  try {
    const packageJson: unknown = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    return typeof packageJson === 'string' ? path.join(path.dirname(packageJson), 'dist') : null;
  } catch {
    return null;
  }
}

/**
 * Activates a backend: for 'auto' the first of tfjs-node, wasm and cpu that
 * initializes, otherwise the one requested.
 *
 * Throws a UsageError naming the reason and the fix when an explicitly
 * requested backend cannot be initialized.
 */
export async function selectBackend(preference: BackendPreference): Promise<BackendSelection> {
  const candidates: Array<Exclude<BackendPreference, 'auto'>> = preference === 'auto' ? ['node', 'wasm', 'cpu'] : [preference];
  const fallbacks: string[] = [];

  for (const candidate of candidates) {
    const failure = await tryBackend(candidate);
    if (failure === null) {
      return { name: BACKEND_NAMES[candidate], fallbacks };
    }
    if (preference !== 'auto') {
      throw new UsageError(`The ${candidate} backend could not be initialized: ${failure}`, fixFor(candidate));
    }
    fallbacks.push(`${BACKEND_NAMES[candidate]}: ${failure}`);
  }
  throw new Error(`No TensorFlow.js backend could be initialized: ${fallbacks.join(' ')}`);
}

/** Activates one backend; returns null on success, else why it failed. */
async function tryBackend(candidate: Exclude<BackendPreference, 'auto'>): Promise<string | null> {
  const name = BACKEND_NAMES[candidate];
  try {
    if (candidate === 'node') {
      const failure = loadTfjsNode();
      if (failure !== null) {
        return failure;
      }
    }
    if (candidate === 'wasm') {
      configureWasmPaths();
    }
    const activated = await tf.setBackend(name);
    if (!activated || tf.getBackend() !== name) {
      return `tf.setBackend('${name}') did not activate it.`;
    }
    return null;
  } catch (error) {
    return withFullStop(describe(error));
  }
}

/** Requires tfjs-node, which registers the 'tensorflow' backend; returns null on success, else why it failed. */
function loadTfjsNode(): string | null {
  if (tf.findBackendFactory('tensorflow') !== null) {
    return null;
  }
  try {
    // tfjs-node is an optional dependency: absent where its native binary did
    // not install. A bundler must leave this require to Node at run time.
    require('@tensorflow/tfjs-node');
  } catch (error) {
    return withFullStop(describe(error).split('\n')[0]);
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return '@tensorflow/tfjs-node loaded but registered its backend with another copy of @tensorflow/tfjs-core.';
  }
  return null;
}

let wasmPathsConfigured = false;

/** The binaries that tfjs-backend-wasm 4.22 loads in Node: the SIMD build, or the plain one without SIMD. */
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

function configureWasmPaths(): void {
  if (wasmPathsConfigured) {
    return;
  }
  const folder = wasmBinaryFolder ?? defaultWasmBinaryFolder();
  if (folder === null) {
    throw new Error('the folder of the wasm binaries is unknown because @tensorflow/tfjs-backend-wasm cannot be resolved');
  }
  // tf.setBackend reports a failed initialization only as a console warning,
  // so a missing binary is caught here, where its path can be named.
  const missing = missingWasmBinaries(folder);
  if (missing.length > 0) {
    const noun = missing.length === 1 ? 'binary' : 'binaries';
    throw new Error(`the wasm ${noun} ${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist`);
  }
  tfWasm.setWasmPaths(folder.endsWith(path.sep) || folder.endsWith('/') ? folder : folder + path.sep);
  wasmPathsConfigured = true;
}

/** Paths of the wasm binaries that Node loads which are missing from `folder`. */
export function missingWasmBinaries(folder: string): string[] {
  return WASM_BINARIES.map((binary) => path.join(folder, binary)).filter((binaryPath) => !fs.existsSync(binaryPath));
}

function fixFor(candidate: Exclude<BackendPreference, 'auto'>): string {
  switch (candidate) {
    case 'node':
      return 'Install it with `npm install @tensorflow/tfjs-node@4.22.0` (it needs a prebuilt TensorFlow library for this platform), or use the wasm or cpu backend';
    case 'wasm':
      return 'Check that the tfjs-backend-wasm*.wasm files are in the folder given to setWasmBinaryFolder (by default the dist folder of @tensorflow/tfjs-backend-wasm), or use the cpu backend';
    case 'cpu':
      return 'Reinstall @tensorflow/tfjs 4.22.0';
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (error !== null && typeof error === 'object' && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

function withFullStop(sentence: string): string {
  const trimmed = sentence.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
