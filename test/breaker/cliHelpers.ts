import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';

import { runCli } from '../../src/cli/main';
import { realFile, REPO_ROOT } from '../realFiles';

/** Exit code and output of one in-process CLI run. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with captured stdout and stderr. */
export async function runCapturedCli(args: string[]): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const exitCode = await runCli(args, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  });
  return { exitCode, stdout: out, stderr: err };
}

/** Lines of stderr that the CLI writes for an error, without the progress lines. */
export function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('hessian-spectrum:'));
}

/** True when stderr contains a JavaScript stack frame. */
export function hasStackTrace(result: CliResult): boolean {
  return /^\s+at /m.test(result.stderr);
}

/** The abalone MLP shipped in examples/ (3,051 parameters): a model small enough for a CLI run in a second. */
export const ABALONE_DIR = path.join(REPO_ROOT, 'examples', 'abalone');
export const ABALONE_CSV = path.join(ABALONE_DIR, 'abalone.csv');

/** Copies the abalone model.json and weights.bin into `folder` and returns the model path. */
export function copyAbalone(folder: string): string {
  for (const name of ['model.json', 'weights.bin']) {
    fs.copyFileSync(path.join(ABALONE_DIR, name), path.join(folder, name));
  }
  return path.join(folder, 'model.json');
}

/** Options that keep a run on the abalone model to about a second on the cpu backend. */
export const TINY_RUN = [
  '--backend', 'cpu',
  '--samples', '32',
  '--lanczos-steps', '4',
  '--density-steps', '4',
  '--density-runs', '1',
  '--trace-probes', '3',
  '--no-layers',
  '--slice-points', '0',
  '--workers', '1',
];

/** Options that link the abalone CSV to the abalone model, as its sidecar does. */
export const ABALONE_DATA = ['--data', ABALONE_CSV, '--label-column', 'rings', '--loss', 'mean_squared_error'];

export { realFile, REPO_ROOT };
