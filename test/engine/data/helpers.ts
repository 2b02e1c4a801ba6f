import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { InputError } from '../../../src/engine/errors';

/**
 * Creates a fresh temporary folder for one suite and removes it after the
 * suite. Call inside `describe`; the returned function gives the folder.
 */
export function useTemporaryFolder(): () => string {
  let folder = '';
  before(async () => {
    folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hessian-data-test-'));
  });
  after(async () => {
    await fs.promises.rm(folder, { recursive: true, force: true });
  });
  return () => folder;
}

/** What an InputError must contain: the file it names, and patterns that its problem and fix must match. */
export interface ExpectedInputError {
  file: string;
  problem: RegExp;
  fix: RegExp;
}

/**
 * Runs `action`, which must throw an InputError, and checks its file, problem
 * and fix with one assert each. Returns the error for further checks.
 */
export async function expectInputError(action: () => unknown, expected: ExpectedInputError): Promise<InputError> {
  let thrown: unknown = null;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }

  assert.ok(thrown instanceof InputError, `expected an InputError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
  assert.equal(thrown.file, expected.file, `file named in: ${thrown.message}`);
  assert.match(thrown.problem, expected.problem);
  assert.match(thrown.fix, expected.fix);
  assert.ok(thrown.message.startsWith(`${expected.file}: `), `message starts with the file: ${thrown.message}`);
  return thrown;
}

/** Options of a hand-made .npy file. */
export interface NpyParts {
  descr: string;
  shape: number[];
  fortranOrder?: boolean;
  /** Raw data bytes, written after the header as they are. */
  data: Uint8Array;
  /** Format version: 1, 2 or 3 (default 1). */
  version?: number;
  /** Replaces the whole header text, for hostile headers. */
  headerText?: string;
}

/**
 * Builds the bytes of an .npy file as numpy.lib.format writes them: the magic
 * string, the version, the header length, the header dict padded with spaces to
 * a multiple of 64 bytes and ended by a newline, then the data.
 */
export function npyBytes(parts: NpyParts): Uint8Array {
  const version = parts.version ?? 1;
  const shapeText = parts.shape.length === 1 ? `(${parts.shape[0]},)` : `(${parts.shape.join(', ')})`;
  let header = parts.headerText ?? `{'descr': '${parts.descr}', 'fortran_order': ${parts.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;

  const prefixLength = version === 1 ? 10 : 12;
  const padding = (64 - ((prefixLength + Buffer.byteLength(header) + 1) % 64)) % 64;
  header = `${header}${' '.repeat(padding)}\n`;
  const headerBytes = Buffer.from(header, version === 3 ? 'utf8' : 'latin1');

  const prefix = Buffer.alloc(prefixLength);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(prefix);
  prefix[6] = version;
  prefix[7] = 0;
  if (version === 1) {
    prefix.writeUInt16LE(headerBytes.length, 8);
  } else {
    prefix.writeUInt32LE(headerBytes.length, 8);
  }
  return new Uint8Array(Buffer.concat([prefix, headerBytes, parts.data]));
}

/** Little-endian float32 bytes of `values`. */
export function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Writes `content` to `name` in `folder` and returns the absolute path. */
export async function writeFile(folder: string, name: string, content: Uint8Array | string): Promise<string> {
  const file = path.join(folder, name);
  await fs.promises.writeFile(file, content);
  return file;
}
