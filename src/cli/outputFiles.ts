import * as fs from 'node:fs';
import * as path from 'node:path';

import { sameFile } from '../engine/data/sameFile';
import { InputError, UsageError } from '../engine/errors';

/** Marker in every HTML report, which tells a later run that it may replace the file. */
export const HTML_REPORT_MARKER = '<meta name="generator" content="hessian-spectrum">';

/**
 * Checks, before the analysis starts, that a report can be written to `file`:
 * its folder exists, it is not a folder itself, it is not one of the inputs, and
 * an existing file there is an earlier report of the same kind. So the CLI
 * never overwrites a user's own file. Throws an InputError naming the path.
 */
export function checkReportPath(file: string, kind: 'json' | 'html', inputs: readonly string[]): void {
  const target = path.resolve(file);
  const folder = path.dirname(target);

  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new InputError(file, `the folder ${folder} does not exist`, 'Create the folder first or choose another path for the report');
  }
  // Links can spell an input differently, so the paths are compared where a write would land, and as files.
  if (inputs.some((input) => canonicalPath(input) === canonicalPath(target) || sameFile(input, target))) {
    throw new InputError(file, 'this is one of the analysis inputs', 'Choose another path for the report');
  }
  if (!fs.existsSync(target)) {
    return;
  }
  if (fs.statSync(target).isDirectory()) {
    throw new InputError(file, 'the report path is a folder', `Give a file name, for instance ${path.join(file, `report.${kind}`)}`);
  }
  if (!isEarlierReport(target, kind)) {
    throw new InputError(
      file,
      `the file exists and is not a Hessian Spectrum ${kind.toUpperCase()} report, so it is not overwritten`,
      'Choose another path for the report, or delete the file first',
    );
  }
}

/**
 * Throws a UsageError when the JSON and HTML report paths name one file, so
 * that neither report replaces the other. Paths are compared after resolving
 * symbolic links, and without case on macOS and Windows, whose file systems
 * usually ignore it. Call it after checkReportPath has checked both folders.
 */
export function assertDistinctReportPaths(jsonFile: string, htmlFile: string): void {
  const ignoreCase = process.platform === 'darwin' || process.platform === 'win32';
  const key = (file: string): string => (ignoreCase ? canonicalPath(file).toLowerCase() : canonicalPath(file));
  if (key(jsonFile) === key(htmlFile)) {
    throw new UsageError(`--json ${jsonFile} and --html ${htmlFile} name the same file, so one report would replace the other.`, 'Give the two reports different paths');
  }
}

/** Links a path may pass through before it counts as a loop. */
const MAX_LINK_DEPTH = 32;

/**
 * Returns the path a write to `file` reaches: its folder with every link
 * resolved, then the file itself followed through symbolic links, also
 * dangling ones.
 */
function canonicalPath(file: string): string {
  let current = path.resolve(file);
  for (let depth = 0; depth < MAX_LINK_DEPTH; depth++) {
    let folder: string;
    try {
      folder = fs.realpathSync(path.dirname(current));
    } catch {
      // A missing folder is reported by the checks that need it; here the path stays as spelled.
      return current;
    }
    current = path.join(folder, path.basename(current));
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(current);
    } catch {
      return current;
    }
    if (!stats.isSymbolicLink()) {
      return current;
    }
    current = path.resolve(folder, fs.readlinkSync(current));
  }
  return current;
}

function isEarlierReport(file: string, kind: 'json' | 'html'): boolean {
  const text = readStart(file, 64 * 1024);
  if (kind === 'html') {
    return text.includes(HTML_REPORT_MARKER);
  }
  return /^\s*\{\s*"schemaVersion"\s*:/.test(text) && text.includes('"engineVersion"');
}

function readStart(file: string, bytes: number): string {
  const handle = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = fs.readSync(handle, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    fs.closeSync(handle);
  }
}

/** Writes a report file, turning a failed write (disk full, permissions) into an InputError. */
export function writeReportFile(file: string, content: string): void {
  try {
    fs.writeFileSync(file, content);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(file, `the report could not be written: ${reason}`, 'Check the free space and the permissions of the folder');
  }
}
