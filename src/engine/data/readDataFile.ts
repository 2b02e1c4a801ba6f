import * as fs from 'node:fs';
import * as path from 'node:path';

import { InputError } from '../errors';
import { formatBytes, listNames } from './formatting';

/** Extensions of the data files the loaders read. */
export const DATA_EXTENSIONS = ['.npy', '.npz', '.csv', '.json'];

/**
 * Reads a whole data file after checking that it exists, is a regular file and
 * is not larger than `maxFileBytes`, so an oversized file is rejected before
 * any of it is read.
 *
 * @param file Absolute path.
 * @param role What the file is for in messages, for instance `data file` or `labels file`.
 * @throws InputError when the file is missing, a directory or another
 *   non-regular file, unreadable, empty or over the limit.
 */
export async function readDataFile(file: string, role: string, maxFileBytes: number): Promise<Uint8Array> {
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(file);
  } catch (error) {
    throw fileSystemError(error, file, role);
  }

  if (stats.isDirectory()) {
    throw new InputError(file, `the ${role} is a directory`, await directoryFix(file));
  }
  if (!stats.isFile()) {
    throw new InputError(file, `the ${role} is not a regular file`, `Pick a ${DATA_EXTENSIONS.join(', ')} file`);
  }
  if (stats.size > maxFileBytes) {
    throw new InputError(
      file,
      `the ${role} has ${formatBytes(stats.size)}, over the limit of ${formatBytes(maxFileBytes)}`,
      'Save a smaller sample of the data and analyze that file: the analysis uses a sample of the data anyway (see --samples)',
    );
  }
  if (stats.size === 0) {
    throw new InputError(file, `the ${role} is empty`, 'Pick the file that contains the data, or write it again');
  }

  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    throw fileSystemError(error, file, role);
  }
}

function fileSystemError(error: unknown, file: string, role: string): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new InputError(
        file,
        `the ${role} was not found`,
        `Check the path. A relative path is resolved against the working directory ${process.cwd()}, or for a sidecar against the sidecar's folder`,
      );
    case 'ELOOP':
      return new InputError(
        file,
        `the ${role} is a symbolic link loop: following its links leads back to a link already followed`,
        'Point the link at the data file itself, or replace the link with a copy of the file',
      );
    case 'EACCES':
    case 'EPERM':
      return new InputError(file, `the ${role} cannot be read (permission denied)`, 'Grant read permission on the file to the user running the analysis');
    case 'ERR_FS_FILE_TOO_LARGE':
      return new InputError(file, `the ${role} is too large to read into memory in one piece`, 'Use a smaller sample of the data');
    case 'EISDIR':
      return new InputError(file, `the ${role} is a directory`, `Pick a ${DATA_EXTENSIONS.join(', ')} file inside it`);
    default:
      return new InputError(file, `the ${role} could not be read (${(error as Error).message})`, 'Check that the file exists and is readable');
  }
}

async function directoryFix(directory: string): Promise<string> {
  try {
    const names = await fs.promises.readdir(directory);
    const dataFiles = names.filter((name) => DATA_EXTENSIONS.includes(path.extname(name).toLowerCase())).sort();
    if (dataFiles.length > 0) {
      return `Pick a data file inside it, for instance ${listNames(dataFiles, 5)}`;
    }
  } catch {
    // An unreadable directory gets the generic fix below.
  }
  return `Pick a ${DATA_EXTENSIONS.join(', ')} file`;
}
