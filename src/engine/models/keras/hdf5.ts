/**
 * Reads the HDF5 files of Keras models (a Keras 2 .h5 file, or the
 * model.weights.h5 inside a Keras 3 .keras archive) with jsfive, a pure
 * JavaScript HDF5 reader, and turns every failure into an InputError.
 *
 * jsfive was chosen over h5wasm (the HDF5 C library compiled to WebAssembly).
 * It loads as CommonJS and reads from memory without a virtual file system.
 * It adds about 80 KiB to a webpack bundle, where h5wasm adds about 4.5 MiB.
 * On every real Keras file of the tests, both read the same values.
 */
import * as hdf5 from 'jsfive';

import { InputError } from '../../errors';
import { errorMessage, formatShape, numElements } from '../validation';

/** The 8-byte signature that starts an HDF5 superblock. */
export const HDF5_SIGNATURE: readonly number[] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** A superblock sits at byte 0 or after a user block of 512 bytes or a larger power of two. */
const FIRST_USER_BLOCK_BYTES = 512;

/**
 * An attribute stored in an object header is one header message, whose size
 * field has 16 bits (HDF5 file format specification, section IV.A.1), so its
 * values take at most 65,535 bytes. Larger values live in the global heap.
 */
const MAX_HEADER_ATTRIBUTE_BYTES = 0xffff;

const CORRUPT_FIX = 'The file is damaged or incomplete: copy it again from where the model was saved, or save the model again';

/** A float dataset read from an HDF5 file. */
export interface Hdf5Array {
  shape: number[];
  values: Float32Array;
}

/**
 * Read access to one HDF5 file held in memory. Paths are absolute inside the
 * file (`/model_weights/dense_1`). Every method throws an InputError naming
 * `file` when the file is corrupt at the place it reads.
 */
export class Hdf5Reader {
  private readonly root: hdf5.File;

  /**
   * Opens the HDF5 bytes `bytes`. `file` is the path named in errors, and
   * `description` names the bytes in messages when they are not the whole
   * file (for instance "model.weights.h5 in the archive").
   *
   * Throws an InputError when the bytes are not HDF5, or when they are shorter
   * than the end-of-file address that their superblock records, which is how a
   * truncated file shows.
   */
  constructor(
    readonly file: string,
    bytes: Uint8Array,
    readonly description = 'the HDF5 file',
  ) {
    assertCompleteHdf5(file, bytes, description);
    // jsfive reads an ArrayBuffer from its start, so a view into a larger buffer is copied out.
    const coversBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const buffer = (coversBuffer ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    this.root = this.guard('its superblock and root group', () => new hdf5.File(buffer, file));
    installAttributeSizeGuard(this.root);
  }

  /** True when an object (group or dataset) exists at `path`. */
  has(path: string): boolean {
    const segments = splitPath(path);
    let group: hdf5.Group = this.root;
    for (const [index, segment] of segments.entries()) {
      const keys = this.guard(`the members of ${joinPath(segments.slice(0, index))}`, () => group.keys);
      if (!keys.includes(segment)) {
        return false;
      }
      if (index === segments.length - 1) {
        return true;
      }
      const child = this.guard(joinPath(segments.slice(0, index + 1)), () => group.get(segment));
      if (!(child instanceof hdf5.Group)) {
        return false;
      }
      group = child;
    }
    return true;
  }

  /** True when `path` names a group. */
  isGroup(path: string): boolean {
    return this.has(path) && this.object(path) instanceof hdf5.Group;
  }

  /** Names of the members of the group at `path`, in the order the file lists them. */
  memberNames(path: string): string[] {
    const group = this.group(path);
    return this.guard(`the members of ${path}`, () => group.keys);
  }

  /**
   * Returns the attribute `name` of the object at `path`, or undefined when it
   * has none. Fixed-length strings lose their NUL padding, in lists too, as h5py
   * strips it.
   */
  attribute(path: string, name: string): unknown {
    const attributes = this.attributes(path);
    return Object.prototype.hasOwnProperty.call(attributes, name) ? withoutNulPadding(attributes[name]) : undefined;
  }

  /**
   * Returns a list-of-strings attribute, such as Keras 2's `layer_names` and
   * `weight_names`. Keras 2 splits a list whose header message would exceed
   * 64 KiB into `name0`, `name1`, …, which are joined here. Returns undefined
   * when neither form exists, and throws an InputError when the value is not a
   * list of strings.
   */
  stringListAttribute(path: string, name: string): string[] | undefined {
    const whole = this.attribute(path, name);
    if (whole !== undefined) {
      return this.asStringList(path, name, whole);
    }

    const joined: string[] = [];
    for (let index = 0; ; index++) {
      const chunk = this.attribute(path, `${name}${index}`);
      if (chunk === undefined) {
        break;
      }
      joined.push(...this.asStringList(path, `${name}${index}`, chunk));
    }
    return joined.length > 0 ? joined : undefined;
  }

  /** Returns a string attribute, or undefined when it is missing. Throws an InputError when it is not a string. */
  stringAttribute(path: string, name: string): string | undefined {
    const value = this.attribute(path, name);
    if (value === undefined || typeof value === 'string') {
      return value;
    }
    throw new InputError(
      this.file,
      `The attribute "${name}" of ${path} in ${this.description} is ${describe(value)} instead of a string`,
      CORRUPT_FIX,
    );
  }

  /**
   * Shape of the float dataset at `path`, read without its values. Throws an
   * InputError when `path` is not a dataset or its dtype is not float32 or
   * float64.
   */
  readFloatArrayShape(path: string): number[] {
    const dataset = this.dataset(path);
    const dtype = this.guard(`the dtype of ${path}`, () => dataset.dtype);
    if (typeof dtype !== 'string' || !/^[<>=|]?f(4|8)$/.test(dtype)) {
      throw new InputError(
        this.file,
        `The weight array ${path} in ${this.description} has the HDF5 dtype ${JSON.stringify(dtype)}, but the loader reads float32 and float64 weights only`,
        'Save the model with float32 weights',
      );
    }
    return this.guard(`the shape of ${path}`, () => dataset.shape.map(Number));
  }

  /**
   * Reads the float dataset at `path` as float32 (float64 values are rounded).
   * Callers check the shape with `readFloatArrayShape` first, so that no size
   * from a corrupt file reaches an allocation unchecked.
   */
  readFloatArray(path: string): Hdf5Array {
    const shape = this.readFloatArrayShape(path);
    const dataset = this.dataset(path);
    const count = numElements(shape);
    const raw = this.guard(`the values of ${path}`, () => dataset.value);
    const values = toFloat32Array(raw, count);
    if (values === null) {
      throw new InputError(this.file, `The values of ${path} in ${this.description} do not match its shape ${formatShape(shape)}`, CORRUPT_FIX);
    }
    return { shape, values };
  }

  private dataset(path: string): hdf5.Dataset {
    const target = this.object(path);
    if (!(target instanceof hdf5.Dataset)) {
      throw new InputError(this.file, `${path} in ${this.description} is a group, where a weight array was expected`, CORRUPT_FIX);
    }
    return target;
  }

  private attributes(path: string): Record<string, unknown> {
    const target = this.object(path);
    return this.guard(`the attributes of ${path}`, () => target.attrs);
  }

  private group(path: string): hdf5.Group {
    const target = this.object(path);
    if (!(target instanceof hdf5.Group)) {
      throw new InputError(this.file, `${path} in ${this.description} is a dataset, where a group was expected`, CORRUPT_FIX);
    }
    return target;
  }

  private object(path: string): hdf5.Group | hdf5.Dataset {
    const segments = splitPath(path);
    if (segments.length === 0) {
      return this.root;
    }
    if (!this.has(path)) {
      throw new InputError(this.file, `${atSentenceStart(this.description)} has no ${joinPath(segments)}`, CORRUPT_FIX);
    }
    const target = this.guard(path, () => this.root.get(joinPath(segments)));
    if (target === null) {
      throw new InputError(this.file, `${joinPath(segments)} in ${this.description} is a link to a missing object`, CORRUPT_FIX);
    }
    return target;
  }

  private asStringList(path: string, name: string, value: unknown): string[] {
    const list = typeof value === 'string' ? [value] : value;
    if (Array.isArray(list) && list.every((item) => typeof item === 'string')) {
      return list as string[];
    }
    // h5py writes an empty list as an empty array, which jsfive may return as an empty object.
    if (isEmptyObject(list)) {
      return [];
    }
    throw new InputError(
      this.file,
      `The attribute "${name}" of ${path} in ${this.description} is ${describe(value)} instead of a list of strings`,
      CORRUPT_FIX,
    );
  }

  /**
   * Runs `read`, a call into jsfive, and turns whatever it throws (jsfive
   * throws strings as well as errors) into an InputError about `what`.
   * jsfive warns on the console about attribute types it cannot read; those
   * warnings are collected and attached to the error instead.
   */
  private guard<T>(what: string, read: () => T): T {
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    };
    try {
      return read();
    } catch (error) {
      if (error instanceof InputError) {
        throw error;
      }
      const details = [errorMessage(error), ...warnings].join('; ');
      throw new InputError(this.file, `${atSentenceStart(this.description)} is corrupt: reading ${what} failed (${details})`, CORRUPT_FIX);
    } finally {
      console.warn = consoleWarn;
    }
  }
}

/** True when `bytes` starts with an HDF5 superblock, at byte 0 or after a user block. */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  return findSuperblock(bytes) >= 0;
}

/**
 * Throws an InputError unless `bytes` hold an HDF5 superblock whose recorded
 * end-of-file address fits in `bytes`. Superblock layouts are those of the
 * HDF5 file format specification, section II.A: versions 0 and 1 keep the
 * end-of-file address after the base and free-space addresses, versions 2
 * and 3 after the base and superblock-extension addresses.
 */
function assertCompleteHdf5(file: string, bytes: Uint8Array, description: string): void {
  const start = findSuperblock(bytes);
  if (start < 0) {
    throw new InputError(file, `${atSentenceStart(description)} is not an HDF5 file: it has no HDF5 signature`, CORRUPT_FIX);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[start + 8];
  let offsetSize: number;
  let baseAddressAt: number;
  let endAddressAt: number;
  if (version === 0 || version === 1) {
    offsetSize = bytes[start + 13];
    baseAddressAt = start + (version === 0 ? 24 : 28);
    endAddressAt = baseAddressAt + 2 * offsetSize;
  } else if (version === 2 || version === 3) {
    offsetSize = bytes[start + 9];
    baseAddressAt = start + 12;
    endAddressAt = baseAddressAt + 2 * offsetSize;
  } else {
    throw new InputError(file, `${atSentenceStart(description)} has the unknown HDF5 superblock version ${version}`, CORRUPT_FIX);
  }
  if (offsetSize !== 8 && offsetSize !== 4) {
    throw new InputError(file, `${atSentenceStart(description)} declares ${offsetSize}-byte file offsets, which HDF5 files do not use`, CORRUPT_FIX);
  }
  if (endAddressAt + offsetSize > bytes.length) {
    throw new InputError(file, `${atSentenceStart(description)} is truncated: it ends inside its HDF5 superblock`, CORRUPT_FIX);
  }

  const readAddress = (at: number): number =>
    offsetSize === 8 ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true);
  const baseAddress = readAddress(baseAddressAt);
  const endAddress = readAddress(endAddressAt);
  const expectedBytes = baseAddress + endAddress;
  if (expectedBytes > bytes.length) {
    throw new InputError(
      file,
      `${atSentenceStart(description)} is truncated: it has ${bytes.length} bytes, but its HDF5 superblock records ${expectedBytes}`,
      CORRUPT_FIX,
    );
  }
}

function findSuperblock(bytes: Uint8Array): number {
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= bytes.length; offset = offset === 0 ? FIRST_USER_BLOCK_BYTES : offset * 2) {
    if (HDF5_SIGNATURE.every((byte, i) => bytes[offset + i] === byte)) {
      return offset;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Protection of jsfive against corrupt attribute headers

const guardedPrototypes = new WeakSet<object>();

type AttributeValueReader = (dtype: hdf5.Hdf5Dtype, buffer: ArrayBuffer, count: number, offset: number) => unknown;

/**
 * Wraps jsfive's private attribute reader so that a value count that cannot
 * fit in the bytes holding the values fails with an ordinary error.
 *
 * jsfive 0.4.2 allocates an array of the length that an attribute's dataspace
 * declares before it reads any value. A corrupt header can declare billions
 * of values of size 0, and filling that array exhausts the JavaScript heap,
 * which ends the whole process. Randomly damaged copies of the real Keras
 * files did this. In Node 20, a worker thread with resourceLimits does not
 * contain such an allocation either: the whole process still aborts.
 *
 * NOTE: this relies on the private method `_attr_value` of jsfive's
 * DataObjects class; when a jsfive version lacks it, no guard is installed.
 */
function installAttributeSizeGuard(file: hdf5.File): void {
  const dataObjects = (file as unknown as { _dataobjects?: object })._dataobjects;
  const prototype = dataObjects === undefined ? null : (Object.getPrototypeOf(dataObjects) as Record<string, unknown> | null);
  if (prototype === null || guardedPrototypes.has(prototype) || typeof prototype._attr_value !== 'function') {
    return;
  }

  const readValues = prototype._attr_value as AttributeValueReader;
  prototype._attr_value = function guardedAttributeValues(
    this: { fh: ArrayBuffer },
    dtype: hdf5.Hdf5Dtype,
    buffer: ArrayBuffer,
    count: number,
    offset: number,
  ): unknown {
    const bytes = Number(count) * attributeItemBytes(dtype);
    const available = buffer.byteLength - offset;
    const headerLimit = buffer === this.fh ? MAX_HEADER_ATTRIBUTE_BYTES : Number.POSITIVE_INFINITY;
    if (!Number.isSafeInteger(Number(count)) || Number(count) < 0 || bytes > available || bytes > headerLimit) {
      throw new Error(`an attribute declares ${count} values, more than the ${Math.max(0, available)} bytes that hold them`);
    }
    return readValues.call(this, dtype, buffer, count, offset);
  };
  guardedPrototypes.add(prototype);
}

/** Bytes one attribute value takes where the attribute is stored: heap references for variable-length types. */
function attributeItemBytes(dtype: hdf5.Hdf5Dtype): number {
  if (Array.isArray(dtype)) {
    return dtype[0] === 'REFERENCE' ? 8 : 16;
  }
  const size = /(\d+)$/.exec(String(dtype));
  return size === null ? 1 : Math.max(1, Number(size[1]));
}

// ---------------------------------------------------------------------------
// Small helpers

function toFloat32Array(raw: unknown, count: number): Float32Array | null {
  if (typeof raw === 'number' && count === 1) {
    return Float32Array.of(raw);
  }
  if (!Array.isArray(raw) && !ArrayBuffer.isView(raw)) {
    return null;
  }
  const list = raw as ArrayLike<unknown>;
  if (list.length !== count) {
    return null;
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    values[i] = Number(list[i]);
  }
  return values;
}

function withoutNulPadding(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\0+$/, '');
  }
  if (Array.isArray(value)) {
    return value.map(withoutNulPadding);
  }
  return value;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function joinPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return `a ${typeof value}`;
}

/** Returns `description` for the start of a sentence: "the HDF5 file" becomes "The HDF5 file", and a file name keeps its case. */
function atSentenceStart(description: string): string {
  return description.startsWith('the ') ? `The ${description.slice(4)}` : description;
}
