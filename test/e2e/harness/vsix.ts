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
  /** Further vsce arguments, such as `--no-rewrite-relative-links`. */
  extraArgs?: string[];
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
    ...(options.extraArgs ?? []),
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

/** Files of the repository that the project's .vsix ships besides dist/, as .vscodeignore lists them. */
const PROJECT_EXTENSION_FILES = ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE'];

export interface ProjectPackageOptions {
  /** Temporary folder of the test: the staged extension and the .vsix go inside it. */
  tempDir: string;
  /**
   * webpack mode of the bundles: `production` (what `npm run package` ships,
   * minified) or `development` (about eight times faster to build, same code).
   */
  mode: 'production' | 'development';
  timeoutMs?: number;
}

/**
 * Packages the project's own extension (the repository root) into
 * `<tempDir>/hessian-spectrum.vsix` and returns its path and the seconds
 * spent.
 *
 * The build runs the project's webpack config as `vscode:prepublish` does. It
 * writes the bundles into a staging copy of the extension in `tempDir`, not
 * into the repository's dist/, because other test runs (the server tests
 * rebuild it) may write there at the same time. The staging copy has the repository's
 * manifest, .vscodeignore, documents and media/; its manifest lacks only the
 * `vscode:prepublish` script, because the bundles are already built. vsce then
 * packages it as `npm run package` does (`--no-rewrite-relative-links`).
 */
export async function packageProjectExtension(options: ProjectPackageOptions): Promise<{ vsix: string; seconds: number }> {
  const startedAt = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const stagingDir = path.join(options.tempDir, 'extension');
  fs.mkdirSync(stagingDir, { recursive: true });

  const webpackCli = path.join(REPO_ROOT, 'node_modules', 'webpack-cli', 'bin', 'cli.js');
  await runToCompletion(process.execPath, [webpackCli, '--mode', options.mode, '--output-path', path.join(stagingDir, 'dist')], {
    cwd: REPO_ROOT,
    timeoutMs,
  });

  for (const file of PROJECT_EXTENSION_FILES) {
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(stagingDir, file));
  }
  fs.cpSync(path.join(REPO_ROOT, 'media'), path.join(stagingDir, 'media'), { recursive: true });
  const manifestFile = path.join(stagingDir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { scripts?: Record<string, string> };
  delete manifest.scripts?.['vscode:prepublish'];
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

  const vsix = await packageExtension(stagingDir, {
    outFile: path.join(options.tempDir, 'hessian-spectrum.vsix'),
    extraArgs: ['--no-rewrite-relative-links'],
    timeoutMs,
  });
  return { vsix, seconds: (Date.now() - startedAt) / 1000 };
}
