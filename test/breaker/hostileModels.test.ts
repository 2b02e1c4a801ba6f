import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { makeTemporaryFolder } from '../engine/analysisFixtures';
import { ABALONE_DATA, copyAbalone, errorLines, hasStackTrace, runCapturedCli, TINY_RUN, type CliResult } from './cliHelpers';

/**
 * Hostile or oversized TensorFlow.js model files. Each must end with exit
 * code 2 and one error line that names the offending file, not with an
 * internal error (exit code 1) and a stack trace.
 */

const TWO_GIB = 2 ** 31;
const ONE_GIB = 2 ** 30;

/**
 * Maximum time for a rejection before any shard is read. A loader that read the
 * 3 GiB of shards first took tens of seconds and over 6 GB of memory.
 */
const QUICK_REJECTION_MS = 10_000;

function assertRejectedAsInput(result: CliResult, fileName: string): void {
  assert.equal(hasStackTrace(result), false, `no stack trace on stderr, got: ${result.stderr.slice(0, 800)}`);
  assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr.slice(0, 800)}`);
  const lines = errorLines(result);
  assert.equal(lines.length, 1, `one error line, got: ${result.stderr.slice(0, 800)}`);
  assert.ok(lines[0].includes(fileName), `the error names ${fileName}: ${lines[0]}`);
}

describe('hostile tfjs model files', function () {
  let folder: string;

  beforeEach(() => {
    folder = makeTemporaryFolder('hessian-breaker-model-');
  });

  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('deeply nested layer config', async () => {
    const model = copyAbalone(folder);
    const text = fs.readFileSync(model, 'utf8');
    // JSON.parse accepts this nesting, but a recursive walk over the topology overflows the stack.
    const depth = 200_000;
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    fs.writeFileSync(model, text.replace('"kernel_regularizer":null', `"kernel_regularizer":${nested}`));
    assert.notEqual(fs.readFileSync(model, 'utf8'), text, 'the fixture inserted the nested object');

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /nests objects and arrays more than \d+ levels deep \(at line 1, column \d+\)/);
  });

  it('deeply nested modelTopology list', async () => {
    const model = path.join(folder, 'model.json');
    const depth = 200_000;
    fs.writeFileSync(model, `{"modelTopology": ${'['.repeat(depth)}${']'.repeat(depth)}, "weightsManifest": []}`);

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /nests objects and arrays more than \d+ levels deep/);
  });

  it('weight shard of exactly 2 GiB', async () => {
    const model = copyAbalone(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    const shardBytes = fs.statSync(path.join(folder, 'weights.bin')).size;
    // The loader's limit is 2 GiB inclusive, but fs.readFile in Node 20 reads at most 2 GiB − 1 byte.
    json.weightsManifest[0].paths = ['big.bin'];
    json.weightsManifest[0].weights.push({ name: 'extra/padding', shape: [(TWO_GIB - shardBytes) / 4], dtype: 'float32' });
    fs.writeFileSync(model, JSON.stringify(json));
    const big = path.join(folder, 'big.bin');
    fs.copyFileSync(path.join(folder, 'weights.bin'), big);
    // A sparse file, so it takes no disk space.
    fs.truncateSync(big, TWO_GIB);

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);

    assertRejectedAsInput(result, 'big.bin');
    assert.match(errorLines(result)[0], /The weight file is 2\.0 GiB \(2147483648 bytes\), larger than the limit of .*\(2147483647 bytes\)/);
    assert.match(errorLines(result)[0], /--weight_shard_size_bytes/);
  });

  it('model JSON longer than a JavaScript string', async () => {
    const model = path.join(folder, 'model.json');
    fs.writeFileSync(model, '{"modelTopology": {}, "padding": "');
    // A V8 string in Node 20 has at most 2^29 − 24 characters, so this file cannot be read as text.
    // It is under the 2 GiB − 1 byte limit for binary model files but over the 256 MiB limit for JSON ones.
    fs.truncateSync(model, 600 * 1024 * 1024);

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /larger than the limit of 256\.0 MiB \(268435456 bytes\) for a TensorFlow\.js model\.json/);
    assert.doesNotMatch(errorLines(result)[0], /[Rr]aise the/);
  });

  it('same 1 GiB shard listed three times', async () => {
    const model = copyAbalone(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    const shardBytes = fs.statSync(path.join(folder, 'weights.bin')).size;
    json.weightsManifest[0].paths = ['big.bin', 'big.bin', 'big.bin'];
    json.weightsManifest[0].weights.push({ name: 'extra/padding', shape: [(3 * ONE_GIB - shardBytes) / 4], dtype: 'float32' });
    fs.writeFileSync(model, JSON.stringify(json));
    const big = path.join(folder, 'big.bin');
    fs.copyFileSync(path.join(folder, 'weights.bin'), big);
    fs.truncateSync(big, ONE_GIB);

    const started = Date.now();
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);
    const elapsedMs = Date.now() - started;

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /lists the weight file "big\.bin" more than once/);
    assert.ok(elapsedMs < QUICK_REJECTION_MS, `rejected after ${elapsedMs} ms`);
  });

  it('shards over the weight limit together', async () => {
    const model = copyAbalone(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    const shardBytes = fs.statSync(path.join(folder, 'weights.bin')).size;
    // Three distinct shards of 1 GiB each pass the per-file limit, but not the limit for all weights.
    const names = ['big-1.bin', 'big-2.bin', 'big-3.bin'];
    json.weightsManifest[0].paths = names;
    json.weightsManifest[0].weights.push({ name: 'extra/padding', shape: [(3 * ONE_GIB - shardBytes) / 4], dtype: 'float32' });
    fs.writeFileSync(model, JSON.stringify(json));
    for (const name of names) {
      const shard = path.join(folder, name);
      fs.copyFileSync(path.join(folder, 'weights.bin'), shard);
      fs.truncateSync(shard, ONE_GIB);
    }

    const started = Date.now();
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);
    const elapsedMs = Date.now() - started;

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /take 3\.0 GiB \(3221225472 bytes\) as decoded values, more than the limit/);
    assert.ok(elapsedMs < QUICK_REJECTION_MS, `rejected after ${elapsedMs} ms`);
  });

  it('weight file that is a symbolic link loop', async () => {
    const model = copyAbalone(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    json.weightsManifest[0].paths = ['loop.bin'];
    fs.writeFileSync(model, JSON.stringify(json));
    fs.symlinkSync(path.join(folder, 'loop.bin'), path.join(folder, 'loop.bin'));

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN]);

    assertRejectedAsInput(result, 'model.json');
    assert.match(errorLines(result)[0], /"loop\.bin" listed in weightsManifest is a symbolic link loop/);
    assert.doesNotMatch(errorLines(result)[0], /permission/);
  });

  it('weight file whose name starts with two dots', async () => {
    const model = copyAbalone(folder);
    const json = JSON.parse(fs.readFileSync(model, 'utf8'));
    // "..weights.bin" is a file inside the model's folder, not a parent-folder segment.
    fs.renameSync(path.join(folder, 'weights.bin'), path.join(folder, '..weights.bin'));
    json.weightsManifest[0].paths = ['..weights.bin'];
    fs.writeFileSync(model, JSON.stringify(json));

    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--quiet']);

    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);
  });
});
