import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseNpy } from '../../src/engine/data/npy';
import type { Report } from '../../src/engine/report';
import { runCapturedCli } from '../breaker/cliHelpers';
import { makeTemporaryFolder, writeNpy } from '../engine/analysisFixtures';
import { realFile } from '../realFiles';

/**
 * A model whose softmax saturates has a zero Hessian: the report must state it
 * and the likely cause, instead of printing zeros with only a Lanczos breakdown warning.
 * The Keras LeNet trained on pixels in 0–1 saturates on pixels in 0–255.
 */
describe('CLI zero curvature', function () {
  let folder: string;

  before(() => {
    folder = makeTemporaryFolder('hessian-zero-');
  });

  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('warns about unscaled pixels', async () => {
    const pixelsFile = realFile('data', 'mnist-1k', 'x.npy');
    const pixels = parseNpy(new Uint8Array(fs.readFileSync(pixelsFile)), pixelsFile);
    const unscaled = path.join(folder, 'x255.npy');
    writeNpy(unscaled, Float64Array.from(pixels.data, (value) => Math.round(value * 255)), pixels.shape);
    const reportPath = path.join(folder, 'report.json');

    const model = realFile('models', 'tensorspace-keras-h5', 'mnist.h5');
    const data = ['--data', unscaled, '--labels', realFile('data', 'mnist-1k', 'y.npy')];
    const result = await runCapturedCli(['analyze', model, ...data, '--backend', 'cpu', '--samples', '32', '--no-layers', '--json', reportPath, '--quiet']);
    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);

    const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as Report;
    const codes = report.warnings.map((warning) => warning.code);
    assert.ok(Math.abs(report.eigenvalues.top[0]) <= 1e-12, `λmax ${report.eigenvalues.top[0]}`);
    assert.ok(codes.includes('zero-curvature'), codes.join(', '));
    assert.equal(codes.includes('lanczos-breakdown'), false, codes.join(', '));
  });
});
