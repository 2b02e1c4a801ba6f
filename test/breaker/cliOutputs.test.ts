import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { readSidecar, sidecarPathFor } from '../../src/engine/data/sidecar';
import { makeTemporaryFolder } from '../engine/analysisFixtures';
import { ABALONE_CSV, ABALONE_DATA, copyAbalone, errorLines, hasStackTrace, REPO_ROOT, runCapturedCli, TINY_RUN } from './cliHelpers';

/** Files the CLI writes (--json, --html, --save-config) and the streams it writes to. */
describe('CLI output files', function () {
  let folder: string;

  beforeEach(() => {
    folder = makeTemporaryFolder('hessian-breaker-out-');
  });

  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('--json into a missing folder', async () => {
    const model = copyAbalone(folder);
    const report = path.join(folder, 'missing', 'report.json');

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--json', report]);

    assert.equal(hasStackTrace(result), false, `no stack trace, got: ${result.stderr}`);
    assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr}`);
    assert.equal(errorLines(result).length, 1, `one error line, got: ${result.stderr}`);
    assert.ok(errorLines(result)[0].includes('report.json'), errorLines(result)[0]);
  });

  it('--json onto the model file', async () => {
    const model = copyAbalone(folder);
    const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = sha256(model);

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--json', model]);

    assert.equal(sha256(model), before, 'the model file is unchanged');
    assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr}`);
  });

  it('--save-config keeps sidecar fields', async () => {
    const model = copyAbalone(folder);
    const csv = path.join(folder, 'abalone.csv');
    fs.copyFileSync(ABALONE_CSV, csv);
    const sidecarPath = sidecarPathFor(model);
    const categories = { sex: ['F', 'M', 'I'] };
    fs.writeFileSync(
      sidecarPath,
      JSON.stringify({ data: 'abalone.csv', labelColumn: 'rings', loss: 'mean_squared_error', categories }),
    );

    // The command line names the data again but gives no categories and no loss.
    const result = await runCapturedCli(['analyze', model, '--data', csv, '--label-column', 'rings', ...TINY_RUN, '--save-config', '--quiet']);
    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);

    const saved = await readSidecar(model);
    assert.deepEqual(saved?.categories, categories, 'categories survive --save-config');
    assert.equal(saved?.loss, 'mean_squared_error', 'the loss survives --save-config');
  });

  it('stdout closed early', async () => {
    const model = copyAbalone(folder);
    const entry = path.join(folder, 'entry.ts');
    const mainModule = path.join(REPO_ROOT, 'src', 'cli', 'main');
    fs.writeFileSync(
      entry,
      `import { runCli } from ${JSON.stringify(mainModule)};\n` +
        'runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n',
    );

    const child = spawn(process.execPath, ['--require', 'tsx/cjs', entry, 'analyze', model, ...ABALONE_DATA, ...TINY_RUN], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // As in `hessian-spectrum analyze … | head -0`, the reader goes away before the summary is written.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    assert.equal(/^\s+at /m.test(stderr), false, `no stack trace on stderr, got: ${stderr.slice(0, 800)}`);
    assert.ok([0, 1, 2, 130].includes(exitCode ?? -1), `a documented exit code, got ${exitCode}`);
  });
});

describe('sidecar field names', function () {
  let folder: string;

  beforeEach(() => {
    folder = makeTemporaryFolder('hessian-breaker-sidecar-');
  });

  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  // Names that exist on every object's prototype, so an `in` test finds them.
  for (const field of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`unknown field ${field}`, async () => {
      const model = path.join(folder, 'model.json');
      fs.writeFileSync(sidecarPathFor(model), `{"data": "data.csv", ${JSON.stringify(field)}: 1}`);

      await assert.rejects(readSidecar(model), (error: Error) => {
        assert.equal(error.name, 'InputError');
        assert.match(error.message, new RegExp(`unknown field "${field}"`));
        return true;
      });
    });
  }
});
