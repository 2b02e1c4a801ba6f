import * as fs from 'node:fs';
import * as path from 'node:path';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * Folder of the real models and datasets from other projects. It sits beside
 * the repository (on developer machines and in CI); HESSIAN_SPECTRUM_REAL_DIR
 * points elsewhere.
 */
export const REAL_DIR = process.env.HESSIAN_SPECTRUM_REAL_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'real');

/** Absolute path of a file under the real folder; fails the test when it is missing. */
export function realFile(...segments: string[]): string {
  const file = path.join(REAL_DIR, ...segments);
  if (!fs.existsSync(file)) {
    throw new Error(`Real test file not found: ${file}. Set HESSIAN_SPECTRUM_REAL_DIR to the folder of real models and data.`);
  }
  return file;
}
