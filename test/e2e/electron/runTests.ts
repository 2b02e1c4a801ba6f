/**
 * Runs the end-to-end scenarios in a downloaded desktop VS Code with
 * @vscode/test-electron: `npx tsx test/e2e/electron/runTests.ts`. It runs the
 * proof scenarios against the throwaway extension, then the Hessian Spectrum
 * scenarios against the project's extension, each in a VS Code of its own.
 *
 * Where VS Code cannot be downloaded (a closed network, as on this project's
 * machines), it prints that the run is skipped and why, and exits 0. The same
 * scenarios then run in code-server (test/e2e/harness.test.ts and
 * test/e2e/extension.test.ts). On Linux without a display, run it under
 * xvfb-run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests, SilentReporter } from '@vscode/test-electron';
import { writeProofExtension, writeProofWorkspace } from '../fixtures/proofExtension';
import { createTempDir, removeTempDir } from '../harness/cleanup';
import { REPO_ROOT } from '../harness/environment';
import { packageProjectExtension } from '../harness/vsix';
import { writeExtensionWorkspace } from '../scenarios/extensionWorkspace';
import { SUITE_VARIABLE } from './suiteSelection';

/** VS Code version to download: HESSIAN_E2E_VSCODE_VERSION, default the latest stable release. */
const VSCODE_VERSION = process.env.HESSIAN_E2E_VSCODE_VERSION ?? 'stable';
/** Downloads are kept in .e2e/, which git ignores. */
const CACHE_DIR = path.join(REPO_ROOT, '.e2e', 'vscode-test');
/** Milliseconds without data after which the download is abandoned. */
const DOWNLOAD_IDLE_TIMEOUT_MS = 30_000;

async function downloadVSCode(): Promise<string | undefined> {
  try {
    return await downloadAndUnzipVSCode({
      version: VSCODE_VERSION,
      cachePath: CACHE_DIR,
      timeout: DOWNLOAD_IDLE_TIMEOUT_MS,
      reporter: new SilentReporter(),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`@vscode/test-electron e2e run skipped: VS Code ${VSCODE_VERSION} could not be downloaded (${reason}).`);
    console.log('The same scenarios run in code-server: see test/e2e/README.md.');
    return undefined;
  }
}

/**
 * Writes the file that the extension host loads as extensionTestsPath. The
 * extension host loads only JavaScript, so this file registers tsx's require
 * hook before it loads the TypeScript suite.
 */
function writeTestsEntry(folder: string): string {
  const entry = path.join(folder, 'electron-tests-entry.js');
  const tsxApi = require.resolve('tsx/cjs/api');
  const suite = path.join(__dirname, 'suite.ts');
  fs.writeFileSync(entry, `require(${JSON.stringify(tsxApi)}).register();\nmodule.exports = require(${JSON.stringify(suite)});\n`);
  return entry;
}

/** Arguments of every VS Code launch: the workspace and folders inside the run's temporary folder. */
function launchArgs(tempDir: string, workspaceDir: string): string[] {
  return [
    workspaceDir,
    '--disable-workspace-trust',
    '--skip-welcome',
    '--skip-release-notes',
    `--user-data-dir=${path.join(tempDir, 'user-data')}`,
    `--extensions-dir=${path.join(tempDir, 'extensions')}`,
  ];
}

/** Runs the proof scenarios against the throwaway extension of fixtures/proofExtension.ts. */
async function runProofSuite(vscodeExecutablePath: string): Promise<number> {
  const tempDir = createTempDir('electron-proof');
  try {
    const extensionDir = writeProofExtension(path.join(tempDir, 'extension'));
    const workspaceDir = writeProofWorkspace(path.join(tempDir, 'workspace'));
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: writeTestsEntry(tempDir),
      extensionTestsEnv: { [SUITE_VARIABLE]: 'proof' },
      launchArgs: [...launchArgs(tempDir, workspaceDir), '--disable-extensions'],
    });
  } finally {
    removeTempDir(tempDir);
  }
}

/**
 * Runs the Hessian Spectrum scenarios against the project's extension,
 * packaged as for code-server. VS Code loads it from the staged folder that
 * the .vsix is packed from, because runTests needs an extension development
 * path to host the tests.
 */
async function runExtensionSuite(vscodeExecutablePath: string): Promise<number> {
  const tempDir = createTempDir('electron-extension');
  try {
    const mode = process.env.HESSIAN_E2E_BUNDLE_MODE === 'development' ? 'development' : 'production';
    const packaged = await packageProjectExtension({ tempDir, mode });
    console.log(`Packaged the extension (${mode} bundles) in ${packaged.seconds.toFixed(1)} s.`);
    const workspaceDir = path.join(tempDir, 'workspace');
    fs.mkdirSync(workspaceDir);
    writeExtensionWorkspace(workspaceDir);
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: path.join(tempDir, 'extension'),
      extensionTestsPath: writeTestsEntry(tempDir),
      extensionTestsEnv: { [SUITE_VARIABLE]: 'extension' },
      launchArgs: launchArgs(tempDir, workspaceDir),
    });
  } finally {
    removeTempDir(tempDir);
  }
}

async function main(): Promise<number> {
  const vscodeExecutablePath = await downloadVSCode();
  if (vscodeExecutablePath === undefined) {
    return 0;
  }
  const proofExitCode = await runProofSuite(vscodeExecutablePath);
  const extensionExitCode = await runExtensionSuite(vscodeExecutablePath);
  return proofExitCode !== 0 ? proofExitCode : extensionExitCode;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    console.error(`@vscode/test-electron e2e run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
