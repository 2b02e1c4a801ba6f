/**
 * Paths, URIs and file kinds, in one place. The server speaks URIs to the
 * client and file-system paths to the engine. Every conversion goes through
 * here, so both spell a file the same way.
 */

import * as path from 'node:path';

import { URI } from 'vscode-uri';

/** File-system path of a `file:` URI, or null for any other scheme. */
export function uriToPath(uri: string): string | null {
  const parsed = URI.parse(uri);
  return parsed.scheme === 'file' ? parsed.fsPath : null;
}

/** `file:` URI of a file-system path, spelled as VS Code spells it. */
export function pathToUri(filePath: string): string {
  return URI.file(filePath).toString();
}

/** Extensions of files that may be models; a `.json` file still has to pass the format check. */
export const MODEL_FILE_EXTENSIONS = ['.json', '.h5', '.hdf5', '.keras'] as const;

/** Extensions of files that may hold a dataset. */
export const DATA_FILE_EXTENSIONS = ['.npy', '.npz', '.csv', '.json'] as const;

/** Extensions of training scripts that get layer and learning-rate lenses. */
export const SCRIPT_FILE_EXTENSIONS = ['.py', '.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx'] as const;

/** Folders that the workspace scans never enter. */
export const IGNORED_FOLDER_NAMES = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox']);

/** Suffix of the dataset sidecar written beside a model. */
export const SIDECAR_SUFFIX = '.hessian.json';

export function hasExtension(filePath: string, extensions: readonly string[]): boolean {
  return extensions.includes(path.extname(filePath).toLowerCase());
}

/** True for the binary Keras formats, which get no lenses of their own. */
export function isBinaryModelPath(filePath: string): boolean {
  return hasExtension(filePath, ['.h5', '.hdf5', '.keras']);
}

export function isSidecarPath(filePath: string): boolean {
  return filePath.toLowerCase().endsWith(SIDECAR_SUFFIX);
}

export function isScriptPath(filePath: string): boolean {
  return hasExtension(filePath, SCRIPT_FILE_EXTENSIONS);
}

/** True when `filePath` is `folder` itself or lies inside it. */
export function isInside(filePath: string, folder: string): boolean {
  const relative = path.relative(folder, filePath);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** True when a folder between `root` and `filePath` is one that workspace scans skip. */
export function isInSkippedFolder(filePath: string, root: string): boolean {
  const folders = path.relative(root, path.dirname(filePath)).split(path.sep).filter((part) => part !== '');
  return folders.some((folder) => IGNORED_FOLDER_NAMES.has(folder) || folder.startsWith('.'));
}
