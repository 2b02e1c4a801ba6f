import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';

import { UsageError } from '../../../src/engine/errors';
import { FIXED_TFJS_VERSION, installGradientFixes, runSelfTest } from '../../../src/engine/tfjs';
import { defaultWasmBinaryFolder, missingWasmBinaries, selectBackend } from '../../../src/engine/tfjs/backend';
import { getStockKernel } from '../../../src/engine/tfjs/kernelRegistration';

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('backend selection', () => {
  it('auto picks the first backend that loads', async function () {
    const selection = await selectBackend('auto');
    assert.equal(tf.getBackend(), selection.name);
    if (tfjsNodeInstalled()) {
      assert.equal(selection.name, 'tensorflow');
      assert.deepEqual(selection.fallbacks, []);
    } else {
      assert.equal(selection.name, 'wasm');
      assert.equal(selection.fallbacks.length, 1);
      assert.equal(selection.fallbacks[0], 'The optional native backend @tensorflow/tfjs-node is not installed, so the WebAssembly backend runs.');
    }
  });

  it('node without tfjs-node raises a UsageError', async function () {
    if (tfjsNodeInstalled()) {
      this.skip();
    }
    await assert.rejects(selectBackend('node'), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /The node backend could not be initialized/);
      assert.match(error.message, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
      return true;
    });
  });

  it('cpu and wasm load on request', async () => {
    assert.deepEqual(await selectBackend('cpu'), { name: 'cpu', fallbacks: [] });
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(await selectBackend('wasm'), { name: 'wasm', fallbacks: [] });
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('default wasm folder contains binaries', () => {
    const folder = defaultWasmBinaryFolder();
    assert.ok(folder);
    assert.deepEqual(missingWasmBinaries(folder), []);
    assert.equal(missingWasmBinaries(os.tmpdir()).length, 2);
  });
});

/** The start of the banner that tfjs-backend-cpu 4.22 prints on the first tensor it stores in Node. */
const BANNER = /Hi, looks like you are running TensorFlow\.js in Node\.js/;

describe('TensorFlow.js console output', () => {
  it('new cpu backend prints no banner', async () => {
    await selectBackend('cpu');
    const Backend = tf.engine().findBackend('cpu').constructor as new () => tf.KernelBackend;
    // A new instance has not stored a tensor yet, so its first write is where the banner would come.
    const fresh = new Backend();
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    };
    try {
      fresh.write(new Float32Array([1, 2]), [2], 'float32');
    } finally {
      console.warn = consoleWarn;
      fresh.dispose();
    }

    assert.deepEqual(warnings.filter((warning) => BANNER.test(warning)), []);
  });

  it('worker thread prints no banner', async () => {
    const backendModule = path.resolve(__dirname, '../../../src/engine/tfjs/backend.ts');
    // A worker thread has its own copy of TensorFlow.js; loading the backend module must silence it too.
    const source = [
      "require('tsx/cjs');",
      `const { selectBackend } = require(${JSON.stringify(backendModule)});`,
      "const tf = require('@tensorflow/tfjs');",
      "selectBackend('cpu').then(() => tf.tensor([1, 2]).dataSync());",
    ].join('\n');
    const worker = new Worker(source, { eval: true, stderr: true, stdout: true });
    let output = '';
    worker.stderr.on('data', (chunk) => (output += chunk));
    worker.stdout.on('data', (chunk) => (output += chunk));
    const exitCode = await new Promise<number>((resolve, reject) => {
      worker.on('exit', resolve);
      worker.on('error', reject);
    });

    assert.equal(exitCode, 0, output);
    assert.doesNotMatch(output, BANNER);
  });
});

describe('installGradientFixes', () => {
  it('loaded tfjs is the pinned version', () => {
    assert.equal(tf.version_core, FIXED_TFJS_VERSION);
  });

  it('can be called repeatedly', async () => {
    await selectBackend('wasm');
    installGradientFixes();
    const installed = tf.getKernel('MaxPoolGrad', 'wasm');
    installGradientFixes();

    assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), installed);
    // The recorded stock kernel is still the wasm backend's own, not a replacement.
    assert.notEqual(getStockKernel('MaxPoolGrad', 'wasm')?.kernelFunc, installed?.kernelFunc);
    assert.ok(getStockKernel('MaxPoolGrad', 'wasm')?.setupFunc, 'the stock wasm kernel has a setup function');
  });
});

describe('backend other than cpu and wasm', () => {
  // A stand-in for tfjs-node, which does not install here: a second instance
  // of the cpu backend under another name, with the fixed cpu kernels except
  // MaxPoolWithArgmax. With the stock cpu AvgPoolGrad instead, the self-test's
  // 'average pool same' check fails, as it should.
  const name = 'cpu-without-argmax';

  before(async () => {
    await selectBackend('cpu');
    installGradientFixes();
    const cpu = tf.engine().findBackend('cpu');
    const Backend = cpu.constructor as new () => tf.KernelBackend;
    tf.registerBackend(name, () => new Backend(), 0);
    for (const kernel of tf.getKernelsForBackend('cpu')) {
      if (kernel.kernelName !== 'MaxPoolWithArgmax') {
        tf.registerKernel({ ...kernel, backendName: name });
      }
    }
    await tf.setBackend(name);
  });

  after(async () => {
    await selectBackend('cpu');
    tf.removeBackend(name);
  });

  it('gets JavaScript argmax kernel', () => {
    installGradientFixes();
    assert.ok(tf.getKernel('MaxPoolWithArgmax', name));
    const result = runSelfTest();
    assert.equal(result.backend, name);
    assert.equal(result.passed, true, JSON.stringify(result.checks));
  });
});
