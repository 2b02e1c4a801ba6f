import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ABALONE_DATA, copyAbalone, runCapturedCli, type CliResult } from '../breaker/cliHelpers';
import { makeTemporaryFolder, writeNpy } from '../engine/analysisFixtures';
import { REPO_ROOT, realFile } from '../realFiles';

/**
 * Bad input on the command line: each case must end with exit code 2 and one
 * line on stderr that names the offending file (or option) and the fix.
 */

const LENET = path.join(REPO_ROOT, 'examples', 'lenet', 'mnist.json');
const MNIST = path.join(REPO_ROOT, 'examples', 'mnist-1k', 'mnist-1k.npz');

/** Copies the example LeNet into a folder so a test can break a copy. */
function copyLenet(folder: string): string {
  for (const name of ['mnist.json', 'mnist.weights.bin']) {
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'lenet', name), path.join(folder, name));
  }
  return path.join(folder, 'mnist.json');
}

function assertInputError(result: CliResult, fileName: string, fixPattern: RegExp): void {
  assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr}`);
  // Progress lines may precede the error; the error itself is one line.
  const lines = result.stderr.trim().split('\n').filter((line) => line.startsWith('hessian-spectrum:'));
  assert.equal(lines.length, 1, `one error line on stderr, got: ${result.stderr}`);
  assert.ok(lines[0].includes(fileName), `names ${fileName}: ${lines[0]}`);
  assert.match(lines[0], fixPattern);
  assert.equal(result.stdout, '');
}

describe('CLI bad input', function () {
  let folder: string;

  beforeEach(() => {
    folder = makeTemporaryFolder('hessian-cli-');
  });

  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('missing model file', async () => {
    const missing = path.join(folder, 'nope.json');
    assertInputError(await runCapturedCli(['analyze', missing, '--data', MNIST, '--backend', 'cpu']), 'nope.json', /not found|does not exist/i);
  });

  it('invalid JSON model', async () => {
    const model = path.join(folder, 'broken.json');
    fs.writeFileSync(model, '{"modelTopology": {"class_name": ');
    assertInputError(await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu']), 'broken.json', /JSON/);
  });

  it('graph model refused', async () => {
    const graph = realFile('models', 'tfjs-examples-prefetch-graphmodel', 'model.json');
    assertInputError(await runCapturedCli(['analyze', graph, '--data', MNIST, '--backend', 'cpu']), 'model.json', /graph model/i);
  });

  it('weight path escaping the folder', async () => {
    const model = copyLenet(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    fs.writeFileSync(model, JSON.stringify(json));
    assertInputError(await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu']), 'mnist.json', /folder/i);
  });

  it('truncated weight shard', async () => {
    const model = copyLenet(folder);
    const shard = path.join(folder, 'mnist.weights.bin');
    fs.truncateSync(shard, 1000);
    assertInputError(await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu']), 'mnist.weights.bin', /bytes/);
  });

  it('NaN weight', async () => {
    const model = copyLenet(folder);
    const shard = path.join(folder, 'mnist.weights.bin');
    const bytes = fs.readFileSync(shard);
    bytes.writeFloatLE(Number.NaN, 40);
    fs.writeFileSync(shard, bytes);
    assertInputError(await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu']), 'mnist', /NaN|not finite|non-finite/i);
  });

  it('weights that overflow the loss', async () => {
    const model = copyAbalone(folder);
    const shard = path.join(folder, 'weights.bin');
    const bytes = fs.readFileSync(shard);
    // The output bias is the last float: the squared error of a 3e38 prediction overflows float32.
    bytes.writeFloatLE(3e38, bytes.length - 4);
    fs.writeFileSync(shard, bytes);

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, '--backend', 'cpu', '--samples', '16', '--no-layers']);
    assertInputError(result, 'model.json', /the loss on .*abalone\.csv is (Infinity|NaN).*largest weight is 3\.00e\+38 in layer dense_Dense3.*scaled/);
  });

  it('data shape that does not fit the model', async () => {
    const inputs = path.join(folder, 'x.npy');
    const labels = path.join(folder, 'y.npy');
    writeNpy(inputs, new Float32Array(10 * 30 * 30), [10, 30, 30, 1]);
    writeNpy(labels, new Int32Array(10), [10], 'int32');
    const result = await runCapturedCli(['analyze', LENET, '--data', inputs, '--labels', labels, '--backend', 'cpu']);
    assertInputError(result, 'x.npy', /28/);
    assert.match(result.stderr, /30/);
  });

  it('class label beyond the outputs', async () => {
    const inputs = path.join(folder, 'x.npy');
    const labels = path.join(folder, 'y.npy');
    writeNpy(inputs, new Float32Array(4 * 28 * 28), [4, 28, 28, 1]);
    writeNpy(labels, [1, 2, 12, 3], [4], 'int32');
    assertInputError(await runCapturedCli(['analyze', LENET, '--data', inputs, '--labels', labels, '--backend', 'cpu']), 'y.npy', /12/);
  });

  it('NaN in the data', async () => {
    const inputs = path.join(folder, 'x.npy');
    const labels = path.join(folder, 'y.npy');
    const values = new Float32Array(4 * 28 * 28);
    values[100] = Number.NaN;
    writeNpy(inputs, values, [4, 28, 28, 1]);
    writeNpy(labels, [1, 2, 3, 4], [4], 'int32');
    assertInputError(await runCapturedCli(['analyze', LENET, '--data', inputs, '--labels', labels, '--backend', 'cpu']), 'x.npy', /NaN/);
  });

  it('no dataset linked', async () => {
    const model = copyLenet(folder);
    assertInputError(await runCapturedCli(['analyze', model, '--backend', 'cpu']), 'mnist.json', /--data/);
  });

  it('model without a loss', async () => {
    const model = copyLenet(folder);
    assertInputError(await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu']), 'mnist.json', /--loss/);
  });

  it('labels without data', async () => {
    const labels = path.join(folder, 'y.npy');
    writeNpy(labels, [1], [1], 'int32');
    assertInputError(await runCapturedCli(['analyze', LENET, '--labels', labels]), 'y.npy', /--data/);
  });

  it('unknown loss name', async () => {
    const result = await runCapturedCli(['analyze', LENET, '--loss', 'hinge']);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /Unknown loss "hinge"/);
    assert.match(result.stderr, /mean_squared_error/);
  });

  it('output index out of range', async () => {
    const result = await runCapturedCli(['analyze', LENET, '--output', '9', '--backend', 'cpu']);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /output/i);
    assert.match(result.stderr, /dense_Dense3/);
  });

  it('same path for both reports', async () => {
    const report = path.join(folder, 'report.json');
    const result = await runCapturedCli(['analyze', LENET, '--data', MNIST, '--backend', 'cpu', '--json', report, '--html', report]);
    assertInputError(result, 'report.json', /different paths/);
    assert.equal(fs.existsSync(report), false);
  });

  it('report paths joined by a symlink', async () => {
    fs.symlinkSync('.', path.join(folder, 'same'));
    fs.symlinkSync('report.json', path.join(folder, 'link.json'));
    const report = path.join(folder, 'report.json');

    for (const html of [path.join(folder, 'same', 'report.json'), path.join(folder, 'link.json')]) {
      const result = await runCapturedCli(['analyze', LENET, '--data', MNIST, '--backend', 'cpu', '--json', report, '--html', html]);
      assertInputError(result, 'report.json', /different paths/);
    }
    assert.equal(fs.existsSync(report), false);
  });

  it('report onto a linked sidecar', async () => {
    const model = copyLenet(folder);
    const linked = `${folder}-link`;
    fs.symlinkSync(folder, linked);
    try {
      const result = await runCapturedCli(['analyze', model, '--data', MNIST, '--backend', 'cpu', '--json', path.join(linked, 'mnist.hessian.json')]);
      assertInputError(result, 'mnist.hessian.json', /one of the analysis inputs/);
      assert.equal(fs.existsSync(path.join(folder, 'mnist.hessian.json')), false);
    } finally {
      fs.rmSync(linked);
    }
  });

  it('negative sample count', async () => {
    const result = await runCapturedCli(['analyze', LENET, '--samples', '-4']);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /at least 1/);
  });

  it('tfjs-node requested where it does not load', async function () {
    let nodeBackendLoads = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeBackendLoads = false;
    }
    if (nodeBackendLoads) {
      this.skip();
    }
    const result = await runCapturedCli(['analyze', LENET, '--backend', 'node']);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /tfjs-node/);
  });
});
