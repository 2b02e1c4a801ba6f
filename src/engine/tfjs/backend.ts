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
  /**
   * Notes for the report, one sentence each, on why the backends preferred
   * over `name` do not run, such as "The optional native backend
   * @tensorflow/tfjs-node is not installed, so the WebAssembly backend runs."
   */
  fallbacks: string[];
}

/**
 * Silences TensorFlow.js's console output in every thread that loads this
 * module: the main thread, the product workers and the language server's
 * analysis worker.
 *
 * tfjs-backend-cpu 4.22 prints a banner ("Hi, looks like you are running
 * TensorFlow.js in Node.js. To speed things up dramatically, install our node
 * backend…") through tfjs-core's `warn()` on the first tensor it stores. The
 * engine already selects tfjs-node when it is installed, and the banner
 * interleaves with the CLI's output even with --quiet. In tfjs-core 4.22, the
 * PROD flag gates only `warn()`, `log()` and two other console warnings. The
 * documentation of tf.enableProdMode describes it as disabling correctness
 * checks, but no check in tfjs-core 4.22 reads the flag.
 *
 * NOTE: this also hides the console warning with which tf.setBackend reports
 * a failed initialization, so `tryBackend` can only report that the backend
 * did not activate. Missing wasm binaries, the usual cause, are found first.
 */
tf.env().set('PROD', true);

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
 * null when it cannot be resolved. Inside a webpack bundle require.resolve
 * returns a module id (a number, or a relative path such as
 * "node_modules/@tensorflow/…" in a development bundle), not a file path, so
 * only an absolute path counts.
 */
export function defaultWasmBinaryFolder(): string | null {
  try {
    const packageJson: unknown = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    return typeof packageJson === 'string' && path.isAbsolute(packageJson) ? path.join(path.dirname(packageJson), 'dist') : null;
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
  const failures: BackendFailure[] = [];

  for (const candidate of candidates) {
    const failure = await tryBackend(candidate);
    if (failure === null) {
      return { name: BACKEND_NAMES[candidate], fallbacks: failures.map((skipped) => fallbackNote(skipped, candidate)) };
    }
    if (preference !== 'auto') {
      throw new UsageError(`The ${candidate} backend could not be initialized: ${failure.reason}`, fixFor(candidate));
    }
    failures.push(failure);
  }
  const reasons = failures.map((failure) => `${BACKEND_NAMES[failure.candidate]}: ${failure.reason}`);
  throw new Error(`No TensorFlow.js backend could be initialized: ${reasons.join(' ')}`);
}

/** The reason that one backend did not activate. */
interface BackendFailure {
  candidate: Exclude<BackendPreference, 'auto'>;
  /** One sentence, such as the first line of the error that requiring tfjs-node threw. */
  reason: string;
  /** True when the package of the backend is not installed, which is expected for the optional tfjs-node. */
  notInstalled: boolean;
}

const BACKEND_DESCRIPTIONS: Record<Exclude<BackendPreference, 'auto'>, string> = {
  node: 'native backend @tensorflow/tfjs-node',
  wasm: 'WebAssembly backend',
  cpu: 'JavaScript cpu backend',
};

/** Words a skipped backend as a note for a user, naming the backend that runs instead. */
function fallbackNote(failure: BackendFailure, selected: Exclude<BackendPreference, 'auto'>): string {
  const instead = `so the ${BACKEND_DESCRIPTIONS[selected]} runs`;
  if (failure.candidate === 'node' && failure.notInstalled) {
    return `The optional native backend @tensorflow/tfjs-node is not installed, ${instead}.`;
  }
  const verb = failure.candidate === 'node' ? 'failed to load' : 'failed to initialize';
  return `The ${BACKEND_DESCRIPTIONS[failure.candidate]} ${verb} (${withoutFullStop(failure.reason)}), ${instead}.`;
}

/** Activates one backend; returns null on success, else why it failed. */
async function tryBackend(candidate: Exclude<BackendPreference, 'auto'>): Promise<BackendFailure | null> {
  const failed = (reason: string, notInstalled = false): BackendFailure => ({ candidate, reason, notInstalled });
  const name = BACKEND_NAMES[candidate];
  try {
    if (candidate === 'node') {
      const failure = loadTfjsNode();
      if (failure !== null) {
        return failed(failure.reason, failure.notInstalled);
      }
    }
    if (candidate === 'wasm') {
      configureWasmPaths();
    }
    const activated = await tf.setBackend(name);
    if (!activated || tf.getBackend() !== name) {
      return failed(`tf.setBackend('${name}') did not activate it.`);
    }
    return null;
  } catch (error) {
    return failed(withFullStop(describe(error)));
  }
}

/**
 * Requires tfjs-node, which registers the 'tensorflow' backend. Returns null
 * on success, else why it failed and whether the package is simply absent.
 */
function loadTfjsNode(): { reason: string; notInstalled: boolean } | null {
  if (tf.findBackendFactory('tensorflow') !== null) {
    return null;
  }
  try {
    // tfjs-node is an optional dependency: absent where its native binary did
    // not install. A bundler must leave this require to Node at run time.
    require('@tensorflow/tfjs-node');
  } catch (error) {
    const reason = withFullStop(describe(error).split('\n')[0]);
    // A MODULE_NOT_FOUND for a module that tfjs-node itself requires is a broken install, not an absent one.
    const notInstalled = isModuleNotFound(error) && reason.includes("'@tensorflow/tfjs-node'");
    return { reason, notInstalled };
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return { reason: '@tensorflow/tfjs-node loaded but registered its backend with another copy of @tensorflow/tfjs-core.', notInstalled: false };
  }
  return null;
}

function isModuleNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
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

function withoutFullStop(sentence: string): string {
  return sentence.trim().replace(/\.$/, '');
}

function withFullStop(sentence: string): string {
  const trimmed = sentence.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
