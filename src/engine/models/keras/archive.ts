/**
 * Reads the entries of a Keras 3 `.keras` archive (a zip file) that the
 * loader needs, with fflate, and rejects hostile archives before and while
 * they are expanded.
 */
import * as fflate from 'fflate';

import { InputError } from '../../errors';
import { errorMessage, formatBytes } from '../validation';
import { HDF5_SIGNATURE, hasHdf5Signature } from './hdf5';

/** Entries of a Keras 3 archive, as Keras 3's saving_lib writes them. */
const CONFIG_ENTRY = 'config.json';
const METADATA_ENTRY = 'metadata.json';
export const WEIGHTS_ENTRY = 'model.weights.h5';
/** Keras 3 can also save the weights as NumPy arrays, which this loader does not read. */
const NPZ_WEIGHTS_ENTRY = 'model.weights.npz';

/**
 * Largest config.json or metadata.json read. A config.json takes about 2 KiB
 * per layer, so this leaves room for models of tens of thousands of layers.
 */
const MAX_JSON_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Size field of a zip entry whose real size is in a zip64 record. fflate reads
 * that record where the archive has one, so the marker itself reaches the
 * loader only from a damaged or crafted archive.
 */
const ZIP64_SIZE_MARKER = 0xffffffff;

/** Compressed bytes handed to the inflater at a time. Deflate expands one push to at most about 1,032 times this. */
const PUSH_BYTES = 64 * 1024;

const STORED = 0;
const DEFLATED = 8;

const ARCHIVE_FIX = 'Save the model again with model.save("model.keras") in Keras 3, or pick the right file';

/** The entries of a Keras 3 archive that the loader reads. */
export interface KerasArchive {
  /** Text of config.json. */
  config: string;
  /** Text of metadata.json, or null when the archive has none. */
  metadata: string | null;
  /** Bytes of model.weights.h5. */
  weights: Uint8Array;
}

interface EntryInfo {
  name: string;
  compressedBytes: number;
  declaredBytes: number;
  compression: number;
}

/**
 * Reads config.json, metadata.json and model.weights.h5 from `bytes`, the
 * content of the archive `file`. Throws an InputError naming `file` for:
 * - bytes that are not a zip archive;
 * - an entry name that is absolute, contains a `..` segment or a NUL
 *   character, or appears twice;
 * - a missing config.json or model.weights.h5;
 * - a compression method other than stored or deflate;
 * - declared sizes of the entries read that exceed `maxExpandedBytes`
 *   together (or 64 MiB for a JSON entry), checked before inflating;
 * - an entry that expands past its declared size, counted while inflating.
 */
export function readKerasArchive(file: string, bytes: Uint8Array, maxExpandedBytes: number): KerasArchive {
  const entries = listEntries(file, bytes);
  for (const entry of entries) {
    assertSafeEntryName(file, entry.name);
  }
  assertUniqueNames(file, entries);

  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const config = byName.get(CONFIG_ENTRY);
  const weights = byName.get(WEIGHTS_ENTRY);
  const metadata = byName.get(METADATA_ENTRY);
  if (config === undefined) {
    throw new InputError(file, `The archive has no ${CONFIG_ENTRY}, so it is not a Keras 3 model`, ARCHIVE_FIX);
  }
  if (weights === undefined) {
    const problem = byName.has(NPZ_WEIGHTS_ENTRY)
      ? `The archive keeps its weights in ${NPZ_WEIGHTS_ENTRY}, but the loader reads the default ${WEIGHTS_ENTRY} only`
      : `The archive has no ${WEIGHTS_ENTRY}, so it holds no weights`;
    throw new InputError(file, problem, 'Save the model with model.save("model.keras") in Keras 3, which writes the weights as HDF5');
  }

  const wanted = [config, weights, ...(metadata === undefined ? [] : [metadata])];
  assertDeclaredSizes(file, wanted, maxExpandedBytes);
  const contents = inflateEntries(file, bytes, wanted);

  const decoder = new TextDecoder('utf-8');
  const metadataBytes = contents.get(METADATA_ENTRY);
  return {
    config: decoder.decode(contents.get(CONFIG_ENTRY)),
    metadata: metadataBytes === undefined ? null : decoder.decode(metadataBytes),
    weights: contents.get(WEIGHTS_ENTRY) as Uint8Array,
  };
}

/** Lists the entries from the central directory without inflating anything. */
function listEntries(file: string, bytes: Uint8Array): EntryInfo[] {
  const entries: EntryInfo[] = [];
  try {
    fflate.unzipSync(bytes, {
      filter: (info) => {
        entries.push({ name: info.name, compressedBytes: info.size, declaredBytes: info.originalSize, compression: info.compression });
        return false;
      },
    });
  } catch (error) {
    throw new InputError(file, `The file is not a valid zip archive (${errorMessage(error)})`, ARCHIVE_FIX);
  }
  return entries;
}

/**
 * Throws an InputError for an entry name that would leave the archive's
 * folder if the archive were extracted: an absolute path (`/x`, `\x`, `C:x`),
 * a `..` segment with either separator, or a NUL character. The loader
 * extracts nothing to disk, but an archive with such names was not written by
 * Keras and is refused whole.
 */
function assertSafeEntryName(file: string, name: string): void {
  const segments = name.split(/[\\/]/);
  const isAbsolute = /^[\\/]/.test(name) || /^[a-z]:/i.test(name);
  if (name.includes('\0') || isAbsolute || segments.includes('..')) {
    throw new InputError(
      file,
      `The archive entry ${JSON.stringify(name)} points outside the archive's folder, which Keras never writes`,
      'Do not use this file: it may have been crafted to overwrite other files. Save the model again with Keras 3',
    );
  }
}

function assertUniqueNames(file: string, entries: EntryInfo[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) {
      throw new InputError(file, `The archive has a duplicate entry ${JSON.stringify(entry.name)}`, ARCHIVE_FIX);
    }
    seen.add(entry.name);
  }
}

function assertDeclaredSizes(file: string, entries: EntryInfo[], maxExpandedBytes: number): void {
  let total = 0;
  for (const entry of entries) {
    if (entry.compression !== STORED && entry.compression !== DEFLATED) {
      throw new InputError(
        file,
        `The archive entry ${entry.name} uses compression method ${entry.compression}; Keras writes stored or deflate entries only`,
        ARCHIVE_FIX,
      );
    }
    if (entry.declaredBytes === ZIP64_SIZE_MARKER) {
      throw new InputError(
        file,
        `The archive entry ${entry.name} gives its size as 0xFFFFFFFF, the zip64 marker, without the zip64 record that holds the real size`,
        ARCHIVE_FIX,
      );
    }
    if (entry.name.endsWith('.json') && entry.declaredBytes > MAX_JSON_ENTRY_BYTES) {
      throw new InputError(
        file,
        `The archive entry ${entry.name} declares ${entry.declaredBytes} bytes, more than the ${MAX_JSON_ENTRY_BYTES} a model configuration can need`,
        ARCHIVE_FIX,
      );
    }
    total += entry.declaredBytes;
  }
  if (total > maxExpandedBytes) {
    throw new InputError(
      file,
      `The archive's entries expand to ${total} bytes, more than the limit of ${maxExpandedBytes} bytes`,
      `Check that this is the right file: the loader reads models of at most ${formatBytes(maxExpandedBytes)}, so a larger model cannot be analysed`,
    );
  }
}

/**
 * Inflates the entries `wanted` with fflate's streaming unzipper, feeding it
 * 64 KiB at a time and counting the bytes each entry produces, so that an
 * entry that expands past its declared size is stopped within one push.
 * Entries are matched by the names in their local headers, which must agree
 * with the central directory.
 */
function inflateEntries(file: string, bytes: Uint8Array, wanted: EntryInfo[]): Map<string, Uint8Array> {
  const expected = new Map(wanted.map((entry) => [entry.name, entry]));
  const chunksByName = new Map<string, Uint8Array[]>();
  const bytesByName = new Map<string, number>();

  const unzipper = new fflate.Unzip((stream) => {
    assertSafeEntryName(file, stream.name);
    const entry = expected.get(stream.name);
    if (entry === undefined) {
      return;
    }
    if (chunksByName.has(stream.name)) {
      throw new InputError(file, `The archive has a duplicate entry ${JSON.stringify(stream.name)}`, ARCHIVE_FIX);
    }
    const chunks: Uint8Array[] = [];
    chunksByName.set(stream.name, chunks);
    bytesByName.set(stream.name, 0);

    const signatureCheck = stream.name === WEIGHTS_ENTRY ? new Hdf5SignatureCheck() : null;
    stream.ondata = (error, chunk) => {
      if (error !== null) {
        // fflate's inflater catches what this handler throws and hands it back here as `error`.
        if (error instanceof InputError) {
          throw error;
        }
        throw new InputError(file, `The archive entry ${stream.name} cannot be inflated (${errorMessage(error)})`, ARCHIVE_FIX);
      }
      const total = (bytesByName.get(stream.name) ?? 0) + chunk.length;
      if (total > entry.declaredBytes) {
        stream.terminate();
        throw new InputError(
          file,
          `The archive entry ${stream.name} expands past the ${entry.declaredBytes} bytes that its header declares`,
          'Do not use this file: it is damaged or crafted to exhaust memory. Save the model again with Keras 3',
        );
      }
      bytesByName.set(stream.name, total);
      chunks.push(chunk);

      if (signatureCheck !== null && signatureCheck.add(chunk, total === entry.declaredBytes) === 'missing') {
        stream.terminate();
        throw new InputError(
          file,
          `The archive entry ${stream.name} is not an HDF5 file: it has no HDF5 signature in its first ${signatureCheck.checkedBytes} bytes`,
          'The file is damaged or was not written by Keras: save the model again with model.save("model.keras") in Keras 3',
        );
      }
    };
    stream.start();
  });
  unzipper.register(fflate.UnzipInflate);

  try {
    for (let start = 0; start < bytes.length; start += PUSH_BYTES) {
      const end = Math.min(bytes.length, start + PUSH_BYTES);
      unzipper.push(bytes.subarray(start, end), end === bytes.length);
    }
  } catch (error) {
    if (error instanceof InputError) {
      throw error;
    }
    throw new InputError(file, `The zip archive is corrupt: ${errorMessage(error)}`, ARCHIVE_FIX);
  }

  const contents = new Map<string, Uint8Array>();
  for (const entry of wanted) {
    const chunks = chunksByName.get(entry.name);
    const actualBytes = bytesByName.get(entry.name) ?? 0;
    if (chunks === undefined || actualBytes !== entry.declaredBytes) {
      throw new InputError(
        file,
        `The archive entry ${entry.name} holds ${actualBytes} bytes, but the archive's directory declares ${entry.declaredBytes}`,
        'The file is damaged or incomplete: copy it again from where the model was saved',
      );
    }
    contents.set(entry.name, concatenate(chunks, actualBytes));
  }
  return contents;
}

/**
 * Looks for the HDF5 signature in the first bytes of an entry while it is
 * inflated, so that an entry that is not HDF5 is rejected after its first
 * chunk instead of after inflating all of it. The signature sits at byte 0,
 * or after a user block of 512 bytes or a larger power of two (as in
 * `hasHdf5Signature`).
 *
 * NOTE: only user blocks of up to 64 KiB are found here. Keras writes
 * model.weights.h5 without a user block, which h5py adds only on request.
 */
class Hdf5SignatureCheck {
  /** Bytes of the entry's start that the signature must appear in: offsets up to 64 KiB, plus the signature. */
  private static readonly PREFIX_BYTES = 64 * 1024 + HDF5_SIGNATURE.length;

  private readonly prefix = new Uint8Array(Hdf5SignatureCheck.PREFIX_BYTES);
  private filled = 0;
  private state: 'pending' | 'found' | 'missing' = 'pending';

  /** Bytes of the entry's start examined so far. */
  get checkedBytes(): number {
    return this.filled;
  }

  /** Adds the next inflated `chunk`; `isLast` is true when the entry ends with it. Returns the state after it. */
  add(chunk: Uint8Array, isLast: boolean): 'pending' | 'found' | 'missing' {
    if (this.state !== 'pending') {
      return this.state;
    }
    const taken = Math.min(chunk.length, this.prefix.length - this.filled);
    this.prefix.set(chunk.subarray(0, taken), this.filled);
    this.filled += taken;

    const available = this.prefix.subarray(0, this.filled);
    if (hasHdf5Signature(available)) {
      this.state = 'found';
    } else if (isLast || this.filled === this.prefix.length) {
      this.state = 'missing';
    }
    return this.state;
  }
}

function concatenate(chunks: Uint8Array[], totalBytes: number): Uint8Array {
  if (chunks.length === 1) {
    return chunks[0];
  }
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
