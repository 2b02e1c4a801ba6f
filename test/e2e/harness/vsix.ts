import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './environment';
import { runToCompletion } from './processes';

export interface PackageOptions {
  /** Path of the .vsix to write. */
  outFile: string;
  /**
   * Whether vsce copies the production node_modules into the .vsix (`npm list
   * --production` decides which). Default false, so vsce runs with
   * --no-dependencies: an extension that bundles its code (the real one does, with
   * webpack, in its vscode:prepublish script) ships no node_modules.
   */
  includeDependencies?: boolean;
  timeoutMs?: number;
}

/**
 * Packages the extension in `extensionDir` with the project's @vscode/vsce
 * (`vsce package`, which works offline) and returns the .vsix path. vsce runs
 * the extension's vscode:prepublish script first when it has one.
 */
export async function packageExtension(extensionDir: string, options: PackageOptions): Promise<string> {
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!fs.existsSync(vsce)) {
    throw new Error(`@vscode/vsce not found at ${vsce}. Run npm install in ${REPO_ROOT}.`);
  }
  const args = [
    vsce,
    'package',
    options.includeDependencies ? '--dependencies' : '--no-dependencies',
    // Without these vsce prompts on standard input about a missing repository field or LICENSE.
    '--allow-missing-repository',
    '--skip-license',
    '--out',
    options.outFile,
  ];
  fs.mkdirSync(path.dirname(options.outFile), { recursive: true });
  await runToCompletion(process.execPath, args, { cwd: extensionDir, timeoutMs: options.timeoutMs ?? 180_000 });
  if (!fs.existsSync(options.outFile)) {
    throw new Error(`vsce package finished but wrote no ${options.outFile}`);
  }
  return options.outFile;
}
