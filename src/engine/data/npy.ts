import { InputError } from '../errors';
import { formatBytes, formatShape, quoteValue } from './formatting';
import { assertFinite } from './nonFinite';
import { PythonLiteralError, type PythonValue, parsePythonLiteral } from './pythonLiteral';

/**
 * Reader of NumPy's .npy format, versions 1.0, 2.0 and 3.0, as numpy.lib.format
 * defines it. A file starts with the magic string `\x93NUMPY`, a version and a
 * header length (2 bytes in version 1, 4 bytes after). The header is a Python
 * dict literal with the keys `descr`, `fortran_order` and `shape`, and the raw
 * data follows it.
 */

/** Numeric dtypes this reader converts, in numpy's names. */
export type NpyDtype =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

/** An array read from an .npy file. */
export interface NpyArray {
  dtype: NpyDtype;
  /** The header's `descr`, for instance `<f4`. */
  descr: string;
  shape: number[];
  /**
   * Values converted to float32, in row-major (C) order even when the file was
   * written in Fortran order. Integers above 2^24 lose precision in float32.
   */
  data: Float32Array;
}

export const NPY_MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** numpy (2.x) refuses headers longer than this, to limit what a hostile file can make it parse. */
export const MAX_NPY_HEADER_LENGTH = 10000;

const DTYPES: Record<string, { dtype: NpyDtype; itemSize: number }> = {
  b1: { dtype: 'bool', itemSize: 1 },
  i1: { dtype: 'int8', itemSize: 1 },
  u1: { dtype: 'uint8', itemSize: 1 },
  i2: { dtype: 'int16', itemSize: 2 },
  u2: { dtype: 'uint16', itemSize: 2 },
  i4: { dtype: 'int32', itemSize: 4 },
  u4: { dtype: 'uint32', itemSize: 4 },
  i8: { dtype: 'int64', itemSize: 8 },
  u8: { dtype: 'uint64', itemSize: 8 },
  f2: { dtype: 'float16', itemSize: 2 },
  f4: { dtype: 'float32', itemSize: 4 },
  f8: { dtype: 'float64', itemSize: 8 },
};

const RESAVE_FIX = 'Save the array again with numpy.save, for instance numpy.save(path, array.astype(numpy.float32))';

/** Throws an InputError about the array being read. */
type Fail = (problem: string, fix: string) => never;

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/**
 * Parses an .npy file and converts its values to float32.
 *
 * @param bytes The whole file (or the whole .npz entry).
 * @param file Path named in errors.
 * @param entryName Name of the entry when `bytes` came from an .npz archive.
 * @returns The array, in C order.
 * @throws InputError when the magic string, version, header, dtype or data length
 *   is invalid, for object and other non-numeric dtypes, and for NaN or infinite values.
 */
export function parseNpy(bytes: Uint8Array, file: string, entryName?: string): NpyArray {
  const subject = entryName === undefined ? 'the .npy file' : `the .npz entry ${quoteValue(entryName)}`;
  const fail: Fail = (problem, fix) => {
    throw new InputError(file, `${subject} ${problem}`, fix);
  };

  const header = readHeader(bytes, fail);
  const { dtype, itemSize, littleEndian } = parseDescr(header.descr, fail);
  const count = countElements(header.shape, fail);

  const expectedBytes = count * itemSize;
  const availableBytes = bytes.length - header.dataOffset;
  if (availableBytes < expectedBytes) {
    fail(
      `is truncated: its header declares shape ${formatShape(header.shape)} of ${dtype}, which needs ` +
        `${formatBytes(expectedBytes)} of data, but only ${formatBytes(availableBytes)} follow the header`,
      'The file was cut short, for instance by an interrupted download or copy. Copy or save it again',
    );
  }
  if (availableBytes > expectedBytes) {
    fail(
      `has ${formatBytes(availableBytes - expectedBytes)} after the data that its header declares ` +
        `(shape ${formatShape(header.shape)} of ${dtype}), so the file is corrupt or the header was edited`,
      RESAVE_FIX,
    );
  }

  const dataBytes = bytes.subarray(header.dataOffset, header.dataOffset + expectedBytes);
  const fileOrder = convertToFloat32(dataBytes, dtype, itemSize, littleEndian, header.shape, fail);
  const data = header.fortranOrder ? fortranToC(fileOrder, header.shape) : fileOrder;

  assertFinite(data, header.shape, file, entryName === undefined ? 'the array' : `the array ${quoteValue(entryName)}`);
  return { dtype, descr: header.descr, shape: header.shape, data };
}

/** True when `bytes` starts with the .npy magic string. */
export function hasNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((byte, i) => bytes[i] === byte);
}

function readHeader(bytes: Uint8Array, fail: Fail): NpyHeader {
  if (!hasNpyMagic(bytes)) {
    fail(
      'does not start with the .npy magic string \\x93NUMPY, so it is not an .npy file',
      'Pick a file written by numpy.save, or check that the file was not converted as text',
    );
  }
  if (bytes.length < 10) {
    fail(`is truncated: it has ${bytes.length} bytes, fewer than the 10 that even an empty header needs`, 'Copy or save the file again');
  }

  const major = bytes[6];
  const minor = bytes[7];
  if (major !== 1 && major !== 2 && major !== 3) {
    fail(`has format version ${major}.${minor}, but only versions 1.0, 2.0 and 3.0 exist`, RESAVE_FIX);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthFieldSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthFieldSize) {
    fail('is truncated inside its header length field', 'Copy or save the file again');
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthFieldSize;

  if (headerLength > MAX_NPY_HEADER_LENGTH) {
    fail(
      `declares a header of ${headerLength} bytes, more than the ${MAX_NPY_HEADER_LENGTH} that numpy itself accepts`,
      RESAVE_FIX,
    );
  }
  if (headerStart + headerLength > bytes.length) {
    fail(
      `is truncated: it declares a header of ${headerLength} bytes, but the file ends ${bytes.length - headerStart} bytes after the header starts`,
      'Copy or save the file again',
    );
  }

  // Versions 1 and 2 write the header in latin1; version 3 allows UTF-8 (for field names).
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    fail('has a header that is not valid UTF-8', RESAVE_FIX);
  }

  return { ...parseHeaderDict(text, fail), dataOffset: headerStart + headerLength };
}

function parseHeaderDict(text: string, fail: Fail): Omit<NpyHeader, 'dataOffset'> {
  let value: PythonValue;
  try {
    value = parsePythonLiteral(text);
  } catch (error) {
    if (!(error instanceof PythonLiteralError)) {
      throw error;
    }
    fail(`has an invalid header (${error.message} at character ${error.offset})`, RESAVE_FIX);
  }

  if (!(value instanceof Map)) {
    fail('has a header that is not a dict literal', RESAVE_FIX);
  }
  const dict = value;
  const keys = [...dict.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    fail(`has header keys ${keys.map((key) => quoteValue(key)).join(', ') || '(none)'}, expected exactly descr, fortran_order and shape`, RESAVE_FIX);
  }

  const descr = dict.get('descr');
  if (Array.isArray(descr)) {
    fail(
      'contains a structured array (its descr is a list of fields), which cannot be used as plain numeric inputs or labels',
      'Save each field as its own numeric array, for instance numpy.save(path, array["field"])',
    );
  }
  if (typeof descr !== 'string') {
    fail(`has a header whose descr is ${quoteValue(String(descr))}, not a dtype string`, RESAVE_FIX);
  }

  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') {
    fail('has a header whose fortran_order is not True or False', RESAVE_FIX);
  }

  const shapeValue = dict.get('shape');
  if (shapeValue === null || typeof shapeValue !== 'object' || !('kind' in shapeValue)) {
    fail('has a header whose shape is not a tuple', RESAVE_FIX);
  }
  const items = (shapeValue as { items: PythonValue[] }).items;
  const shape = items.map((dimension) => {
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      fail(`has a header whose shape contains ${quoteValue(String(dimension))}, not a non-negative integer`, RESAVE_FIX);
    }
    return dimension as number;
  });

  return { descr: descr as string, fortranOrder: fortranOrder as boolean, shape };
}

function parseDescr(
  descr: string,
  fail: Fail,
): { dtype: NpyDtype; itemSize: number; littleEndian: boolean } {
  const match = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const kind = match?.[2] ?? '';

  if (kind === 'O') {
    fail(
      'contains Python objects (dtype object, descr "|O"), which numpy stores as a pickle. ' +
        'This loader never unpickles data, because unpickling can run arbitrary code',
      'Convert the array to a numeric dtype before saving, for instance numpy.save(path, numpy.asarray(array, dtype=numpy.float32))',
    );
  }
  if (kind === 'U' || kind === 'S' || kind === 'a') {
    fail(
      `contains strings (descr ${quoteValue(descr)}), not numbers`,
      'Map the strings to class indices before saving (for instance with numpy.unique(labels, return_inverse=True)), or use a CSV or JSON file, whose string columns are mapped for you',
    );
  }

  const known = match ? DTYPES[`${kind}${match[3]}`] : undefined;
  if (!match || !known) {
    fail(
      `has dtype ${quoteValue(descr)}, which is not supported (supported: bool, int8 to int64, uint8 to uint64, float16, float32 and float64)`,
      RESAVE_FIX,
    );
  }

  const byteOrder = match[1];
  if (byteOrder === '=' && known.itemSize > 1) {
    fail(`has dtype ${quoteValue(descr)} with native byte order "=", which does not say how the file was written`, RESAVE_FIX);
  }
  return { dtype: known.dtype, itemSize: known.itemSize, littleEndian: byteOrder !== '>' };
}

function countElements(shape: number[], fail: Fail): number {
  let count = 1;
  for (const dimension of shape) {
    count *= dimension;
    if (!Number.isSafeInteger(count)) {
      fail(`declares shape ${formatShape(shape)}, whose element count is too large to be real`, RESAVE_FIX);
    }
  }
  return count;
}

/**
 * Converts raw little- or big-endian values into a new Float32Array (or a view of
 * `data` for aligned little-endian float32) in file order. A float64 value beyond
 * the float32 range is an error, not a silent Infinity.
 */
function convertToFloat32(
  data: Uint8Array,
  dtype: NpyDtype,
  itemSize: number,
  littleEndian: boolean,
  shape: number[],
  fail: Fail,
): Float32Array {
  const native = toLittleEndianAligned(data, itemSize, littleEndian);
  const buffer = native.buffer;
  const offset = native.byteOffset;
  const count = native.byteLength / itemSize;

  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, offset, count);
    case 'float64': {
      const source = new Float64Array(buffer, offset, count);
      const result = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        result[i] = source[i];
        if (Number.isFinite(source[i]) && !Number.isFinite(result[i])) {
          fail(`contains ${source[i]} (element ${i} in file order of shape ${formatShape(shape)}), which is outside the float32 range of ±3.4e38`, 'Rescale the data before saving');
        }
      }
      return result;
    }
    case 'float16':
      return Float32Array.from(new Uint16Array(buffer, offset, count), decodeFloat16);
    case 'bool':
      return Float32Array.from(new Uint8Array(buffer, offset, count), (value) => (value === 0 ? 0 : 1));
    case 'int8':
      return Float32Array.from(new Int8Array(buffer, offset, count));
    case 'uint8':
      return Float32Array.from(new Uint8Array(buffer, offset, count));
    case 'int16':
      return Float32Array.from(new Int16Array(buffer, offset, count));
    case 'uint16':
      return Float32Array.from(new Uint16Array(buffer, offset, count));
    case 'int32':
      return Float32Array.from(new Int32Array(buffer, offset, count));
    case 'uint32':
      return Float32Array.from(new Uint32Array(buffer, offset, count));
    case 'int64':
      return Float32Array.from(new BigInt64Array(buffer, offset, count), (value) => Number(value));
    case 'uint64':
      return Float32Array.from(new BigUint64Array(buffer, offset, count), (value) => Number(value));
  }
}

/** Returns `data` itself when it is little-endian and aligned for its item size, else an aligned little-endian copy. */
function toLittleEndianAligned(data: Uint8Array, itemSize: number, littleEndian: boolean): Uint8Array {
  const aligned = data.byteOffset % itemSize === 0;
  if (itemSize === 1 || (littleEndian && aligned)) {
    return data;
  }

  // `new Uint8Array(data)` copies, whereas a Node Buffer's `slice` would return a view.
  const copy = new Uint8Array(data);
  if (!littleEndian) {
    for (let start = 0; start < copy.length; start += itemSize) {
      copy.subarray(start, start + itemSize).reverse();
    }
  }
  return copy;
}

/** Decodes an IEEE 754 half-precision value. */
function decodeFloat16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;

  if (exponent === 0) {
    return sign * fraction * 2 ** -24;
  }
  if (exponent === 0x1f) {
    return fraction === 0 ? sign * Infinity : NaN;
  }
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Reorders Fortran-order (column-major) data into C order. In Fortran order the
 * first axis varies fastest, so the loop walks the file order with an odometer
 * over the axes from first to last and keeps the matching C offset.
 */
function fortranToC(source: Float32Array, shape: number[]): Float32Array {
  if (shape.length < 2) {
    return source;
  }

  const rank = shape.length;
  const cStrides = new Array<number>(rank);
  cStrides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) {
    cStrides[axis] = cStrides[axis + 1] * shape[axis + 1];
  }

  const result = new Float32Array(source.length);
  const index = new Array<number>(rank).fill(0);
  let cOffset = 0;
  for (let fileOffset = 0; fileOffset < source.length; fileOffset++) {
    result[cOffset] = source[fileOffset];

    for (let axis = 0; axis < rank; axis++) {
      index[axis]++;
      cOffset += cStrides[axis];
      if (index[axis] < shape[axis]) {
        break;
      }
      cOffset -= index[axis] * cStrides[axis];
      index[axis] = 0;
    }
  }
  return result;
}
