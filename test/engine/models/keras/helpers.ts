/**
 * Shared pieces of the Keras loader tests: the MNIST sample, accuracy by
 * batched prediction, temporary folders, and ways to break a real file in a
 * precise place (byte patches, rebuilt zip archives).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import * as fflate from 'fflate';

import { parseNpy } from '../../../../src/engine/data/npy';
import { InputError } from '../../../../src/engine/errors';
import { realFile } from '../../../realFiles';

/** The 1,000-image MNIST sample: pixels in [0, 1], [1000, 28, 28, 1] row-major, and class labels. */
export interface MnistSample {
  pixels: Float32Array;
  labels: Float32Array;
  count: number;
}

let mnistSample: Promise<MnistSample> | null = null;

/** Reads the MNIST sample once per test run. */
export function loadMnistSample(): Promise<MnistSample> {
  mnistSample ??= (async () => {
    const xFile = realFile('data', 'mnist-1k', 'x.npy');
    const yFile = realFile('data', 'mnist-1k', 'y.npy');
    const x = parseNpy(new Uint8Array(await fs.readFile(xFile)), xFile);
    const y = parseNpy(new Uint8Array(await fs.readFile(yFile)), yFile);
    assert.deepEqual(x.shape, [1000, 28, 28, 1]);
    assert.deepEqual(y.shape, [1000]);
    return { pixels: x.data, labels: y.data, count: y.shape[0] };
  })();
  return mnistSample;
}

/**
 * Share of the sample that `model` classifies correctly, predicting in
 * batches of `batchSize`. The pixels are reshaped to the model's input shape
 * ([28, 28], [28, 28, 1] or [784]), which all hold 784 values.
 */
export async function mnistAccuracy(model: tf.LayersModel, batchSize = 250): Promise<number> {
  const sample = await loadMnistSample();
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1) as number[];
  assert.equal(inputShape.reduce((product, size) => product * size, 1), 784, `input shape ${JSON.stringify(inputShape)} does not hold 784 pixels`);

  let correct = 0;
  for (let start = 0; start < sample.count; start += batchSize) {
    const end = Math.min(sample.count, start + batchSize);
    const predicted = tf.tidy(() => {
      const batch = tf.tensor(sample.pixels.subarray(start * 784, end * 784), [end - start, ...inputShape]);
      const output = model.predict(batch) as tf.Tensor;
      return output.argMax(-1).dataSync();
    });
    for (let i = 0; i < predicted.length; i++) {
      if (predicted[i] === sample.labels[start + i]) {
        correct++;
      }
    }
  }
  return correct / sample.count;
}

/** Creates an empty temporary folder for one test. */
export async function makeTempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'hessian-keras-'));
}

/** Writes `bytes` to `name` in `folder` and returns the path. */
export async function writeTempFile(folder: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(folder, name);
  await fs.writeFile(file, bytes);
  return file;
}

/** Reads the entries of a real .keras archive, by name. */
export async function readArchiveEntries(file: string): Promise<Record<string, Uint8Array>> {
  return fflate.unzipSync(new Uint8Array(await fs.readFile(file)));
}

/** Builds a stored (uncompressed) zip archive of `entries`, as Keras writes them. */
export function storedZip(entries: Record<string, Uint8Array | string>): Uint8Array {
  const files: fflate.Zippable = {};
  for (const [name, content] of Object.entries(entries)) {
    files[name] = [typeof content === 'string' ? fflate.strToU8(content) : content, { level: 0 }];
  }
  return fflate.zipSync(files);
}

/**
 * Returns a copy of `bytes` with the first occurrence of `search` replaced by
 * `replacement`, which must have the same length so that no offset moves.
 */
export function replaceBytes(bytes: Uint8Array, search: string, replacement: string): Uint8Array {
  assert.equal(replacement.length, search.length, 'a byte patch must keep the length');
  const haystack = Buffer.from(bytes);
  const at = haystack.indexOf(Buffer.from(search, 'latin1'));
  assert.ok(at >= 0, `${JSON.stringify(search)} not found`);
  const patched = Uint8Array.from(bytes);
  patched.set(Buffer.from(replacement, 'latin1'), at);
  return patched;
}

/** Byte offset of the little-endian float32 values `values` inside `bytes`. */
export function findFloat32Run(bytes: Uint8Array, values: Float32Array): number {
  const needle = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle);
  assert.ok(at >= 0, 'weight values not found in the file bytes');
  return at;
}

/**
 * Runs `load` and checks that it rejects with an InputError naming `file`
 * whose problem matches `problem`; returns the error for further checks.
 */
export async function expectInputError(load: () => Promise<unknown>, file: string, problem: RegExp): Promise<InputError> {
  let caught: unknown;
  try {
    await load();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.match(caught.problem, problem);
  assert.ok(caught.fix.length > 0, 'the error gives no fix');
  return caught;
}
