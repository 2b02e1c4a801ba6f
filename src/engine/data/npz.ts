import { Unzip, UnzipInflate, unzipSync } from 'fflate';

import { InputError } from '../errors';
import { formatBytes, listNames, quoteValue } from './formatting';
import { type NpyArray, parseNpy } from './npy';

/**
 * Reader of NumPy's .npz archives (numpy.savez and numpy.savez_compressed): a
 * zip file whose entries are .npy files named `<key>.npy`.
 *
 * Zip bombs: each requested entry's declared uncompressed size is checked
 * against the limit before it is inflated. The inflated bytes are then counted
 * as they arrive, and inflation stops at the first chunk that passes the
 * declared size. So a hostile archive makes the reader allocate at most the
 * limit plus the output of one pushed chunk (see PUSH_CHUNK_BYTES).
 * Entry names that are absolute or contain `..` are rejected even though
 * nothing is written to disk, because numpy never writes such names.
 */

/** One entry of the archive's central directory. */
export interface NpzEntry {
  name: string;
  /** Compressed size in bytes, as declared. */
  compressedSize: number;
  /** Uncompressed size in bytes, as declared. */
  uncompressedSize: number;
  /** Zip compression method: 0 stored, 8 deflate. */
  compression: number;
}

export const ZIP_LOCAL_HEADER_MAGIC = Uint8Array.from([0x50, 0x4b, 0x03, 0x04]);
export const ZIP_EMPTY_ARCHIVE_MAGIC = Uint8Array.from([0x50, 0x4b, 0x05, 0x06]);

/** Compressed bytes handed to the inflater at a time; DEFLATE expands 16 KiB to at most about 16 MiB. */
const PUSH_CHUNK_BYTES = 16 * 1024;

const RESAVE_FIX = 'Save the arrays again with numpy.savez or numpy.savez_compressed';

/** True when `bytes` starts like a zip archive (a local file header, or the end record of an empty archive). */
export function hasZipMagic(bytes: Uint8Array): boolean {
  const startsWith = (magic: Uint8Array): boolean => bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
  return startsWith(ZIP_LOCAL_HEADER_MAGIC) || startsWith(ZIP_EMPTY_ARCHIVE_MAGIC);
}

/**
 * Lists the archive's entries from its central directory, without inflating
 * anything, and rejects unsafe or duplicate entry names.
 *
 * @throws InputError when the bytes are not a valid zip archive or an entry name
 *   is absolute, contains `..`, a backslash or a NUL character, or repeats.
 */
export function listNpzEntries(bytes: Uint8Array, file: string): NpzEntry[] {
  const entries: NpzEntry[] = [];
  try {
    unzipSync(bytes, {
      filter: (info) => {
        entries.push({
          name: info.name,
          compressedSize: info.size,
          uncompressedSize: info.originalSize,
          compression: info.compression,
        });
        return false;
      },
    });
  } catch (error) {
    throw new InputError(file, `the file is not a valid zip archive, as an .npz file must be (${errorMessage(error)})`, RESAVE_FIX);
  }

  const seen = new Set<string>();
  for (const entry of entries) {
    assertSafeEntryName(entry.name, file);
    if (seen.has(entry.name)) {
      throw new InputError(
        file,
        `the archive contains two entries named ${quoteValue(entry.name)}, so it is corrupt or crafted`,
        RESAVE_FIX,
      );
    }
    seen.add(entry.name);
  }
  return entries;
}

/** Returns the array key of an entry name; numpy.savez stores array `x` as `x.npy`. */
export function npzKeyOf(entryName: string): string {
  return entryName.endsWith('.npy') ? entryName.slice(0, -'.npy'.length) : entryName;
}

/** A requested array key, with the option that sets it for the fix of a missing-key error. */
export interface NpzKeyRequest {
  key: string;
  /** Option that sets this key, for instance `--x-key or the sidecar field "xKey"`. */
  option: string;
}

/**
 * Reads the requested arrays from an .npz archive.
 *
 * @param bytes The whole archive.
 * @param file Path named in errors.
 * @param requests The keys to read; `x` reads the entry `x.npy` (or `x`).
 * @param maxUncompressedBytes Largest declared or actual uncompressed size of one entry.
 * @returns The arrays by key, converted to float32.
 * @throws InputError for an invalid archive, an unsafe entry name, or a missing
 *   key, whose message lists the keys present. It is also thrown for an entry
 *   over the size limit, an entry whose inflated size differs from its declared
 *   size, and any .npy error in an entry.
 */
export function readNpzArrays(
  bytes: Uint8Array,
  file: string,
  requests: NpzKeyRequest[],
  maxUncompressedBytes: number,
): Map<string, NpyArray> {
  const entries = listNpzEntries(bytes, file);

  const requestedEntries = new Map<string, NpzEntry>();
  for (const request of requests) {
    const entry = entries.find((candidate) => candidate.name === `${request.key}.npy`) ?? entries.find((candidate) => candidate.name === request.key);
    if (!entry) {
      const keys = entries.map((candidate) => npzKeyOf(candidate.name));
      throw new InputError(
        file,
        `the archive has no array ${quoteValue(request.key)} among its arrays ${listNames(keys)}`,
        `Name the array to use with ${request.option}`,
      );
    }
    checkDeclaredEntry(entry, file, maxUncompressedBytes);
    requestedEntries.set(entry.name, entry);
  }

  const contents = inflateEntries(bytes, file, requestedEntries, maxUncompressedBytes);

  const arrays = new Map<string, NpyArray>();
  for (const request of requests) {
    const entryName = requestedEntries.has(`${request.key}.npy`) ? `${request.key}.npy` : request.key;
    arrays.set(request.key, parseNpy(contents.get(entryName)!, file, entryName));
  }
  return arrays;
}

function assertSafeEntryName(name: string, file: string): void {
  const segments = name.split('/');
  const unsafe =
    name.length === 0 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[A-Za-z]:/.test(name) ||
    segments.includes('..');
  if (!unsafe) {
    return;
  }

  throw new InputError(
    file,
    `the archive contains an entry named ${quoteValue(name)}, a path that is absolute or leaves the archive's folder. numpy never writes such names, so the file is crafted or corrupt`,
    'Do not use this file. Save the arrays again with numpy.savez',
  );
}

function checkDeclaredEntry(entry: NpzEntry, file: string, maxUncompressedBytes: number): void {
  if (entry.compression !== 0 && entry.compression !== 8) {
    throw new InputError(
      file,
      `the entry ${quoteValue(entry.name)} uses zip compression method ${entry.compression}, but only stored (0) and deflate (8) entries can be read`,
      RESAVE_FIX,
    );
  }
  if (entry.uncompressedSize > maxUncompressedBytes) {
    throw new InputError(
      file,
      `the entry ${quoteValue(entry.name)} declares ${formatBytes(entry.uncompressedSize)} uncompressed, over the limit of ${formatBytes(maxUncompressedBytes)} ` +
        `(the archive itself has ${formatBytes(entry.compressedSize)} for it)`,
      'If the data is genuine, save a smaller sample of it with numpy.savez and analyze that file. A small archive that declares a huge entry is a zip bomb: do not use it',
    );
  }
}

/**
 * Inflates the requested entries with fflate's streaming reader, counting bytes as
 * they arrive. The archive is pushed in small chunks, so the check runs before
 * the output of one chunk can grow far past the limit.
 */
function inflateEntries(
  bytes: Uint8Array,
  file: string,
  requestedEntries: Map<string, NpzEntry>,
  maxUncompressedBytes: number,
): Map<string, Uint8Array> {
  const chunksByName = new Map<string, Uint8Array[]>();
  const sizeByName = new Map<string, number>();
  const finished = new Set<string>();
  let failure: InputError | null = null;

  const unzip = new Unzip((stream) => {
    if (failure) {
      return;
    }
    try {
      assertSafeEntryName(stream.name, file);
    } catch (error) {
      failure = error as InputError;
      return;
    }
    const entry = requestedEntries.get(stream.name);
    if (!entry || chunksByName.has(stream.name)) {
      return;
    }

    const limit = Math.min(entry.uncompressedSize, maxUncompressedBytes);
    const chunks: Uint8Array[] = [];
    chunksByName.set(stream.name, chunks);
    sizeByName.set(stream.name, 0);

    stream.ondata = (error, chunk, final) => {
      if (failure) {
        return;
      }
      if (error) {
        failure = new InputError(file, `the entry ${quoteValue(stream.name)} could not be inflated (${error.message})`, RESAVE_FIX);
        return;
      }

      const size = sizeByName.get(stream.name)! + chunk.length;
      sizeByName.set(stream.name, size);
      if (size > limit) {
        failure = new InputError(
          file,
          `the entry ${quoteValue(stream.name)} inflates to more than the ${formatBytes(limit)} it may have ` +
            `(declared size ${formatBytes(entry.uncompressedSize)}, limit ${formatBytes(maxUncompressedBytes)}), so this is a zip bomb or a corrupt archive`,
          'Do not use this file. Save the arrays again with numpy.savez',
        );
        return;
      }
      chunks.push(chunk);
      if (final) {
        finished.add(stream.name);
      }
    };
    stream.start();
  });
  unzip.register(UnzipInflate);

  try {
    for (let offset = 0; offset < bytes.length && !failure; offset += PUSH_CHUNK_BYTES) {
      const end = Math.min(offset + PUSH_CHUNK_BYTES, bytes.length);
      unzip.push(bytes.subarray(offset, end), end === bytes.length);
    }
  } catch (error) {
    failure ??= new InputError(file, `the archive could not be read (${errorMessage(error)})`, RESAVE_FIX);
  }
  if (failure) {
    throw failure;
  }

  // NOTE: the CRC-32 of an entry is not verified, because fflate 0.8 neither checks it
  // nor reports it. Corruption that keeps the size is caught only if it breaks the .npy header.
  const contents = new Map<string, Uint8Array>();
  for (const [name, entry] of requestedEntries) {
    const size = sizeByName.get(name);
    if (size === undefined || !finished.has(name) || size !== entry.uncompressedSize) {
      throw new InputError(
        file,
        `the entry ${quoteValue(name)} inflates to ${formatBytes(size ?? 0)}, not the ${formatBytes(entry.uncompressedSize)} that the archive declares, so the archive is truncated or corrupt`,
        'Copy or save the file again',
      );
    }
    contents.set(name, concatenate(chunksByName.get(name)!, size));
  }
  return contents;
}

function concatenate(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) {
    return chunks[0];
  }
  const result = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
