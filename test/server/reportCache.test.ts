import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { fingerprintFile, isUnchanged } from '../../src/server/cache/fingerprint';
import { MAX_RUNS_PER_MODEL, ReportCache, cacheKeyOf, type AnalysisInputs } from '../../src/server/cache/reportCache';
import { makeReport } from './reportFixture';

describe('ReportCache', function () {
  let folder: string;
  let weights: string;

  beforeEach(function () {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-cache-'));
    weights = path.join(folder, 'weights.bin');
    fs.writeFileSync(weights, Buffer.from([1, 2, 3, 4]));
  });

  afterEach(function () {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function inputsWith(seed: number): Promise<AnalysisInputs> {
    return { modelFiles: [await fingerprintFile(weights)], dataFiles: [], sidecar: null, settings: { seed } };
  }

  it('keys on content and settings, not on paths', async function () {
    const copy = path.join(folder, 'copy.bin');
    fs.copyFileSync(weights, copy);
    const original = await inputsWith(0);
    const copied: AnalysisInputs = { ...original, modelFiles: [await fingerprintFile(copy)] };

    assert.equal(cacheKeyOf(original), cacheKeyOf(copied));
    assert.notEqual(cacheKeyOf(original), cacheKeyOf(await inputsWith(1)));
  });

  it('stores runs newest first and reads them back', async function () {
    const cache = new ReportCache(path.join(folder, 'storage'));
    const inputs = await inputsWith(0);

    await cache.add('/models/a.json', { key: cacheKeyOf(inputs), analysisId: 'first', inputs, report: makeReport({ createdAt: '2025-01-01T00:00:00.000Z' }) });
    await cache.add('/models/a.json', { key: cacheKeyOf(inputs), analysisId: 'second', inputs, report: makeReport({ createdAt: '2025-01-02T00:00:00.000Z' }) });
    const reopened = new ReportCache(path.join(folder, 'storage'));

    assert.deepEqual((await reopened.entriesOf('/models/a.json')).map((entry) => entry.analysisId), ['second', 'first']);
    assert.deepEqual([...(await reopened.allModels()).keys()], ['/models/a.json']);
    assert.deepEqual(await reopened.entriesOf('/models/b.json'), []);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'storage', 'reports')).filter((name) => name.endsWith('.tmp')), []);
  });

  it(`keeps at most ${MAX_RUNS_PER_MODEL} runs per model`, async function () {
    const cache = new ReportCache(path.join(folder, 'storage'));
    const inputs = await inputsWith(0);
    for (let run = 0; run < MAX_RUNS_PER_MODEL + 3; run++) {
      await cache.add('/models/a.json', { key: cacheKeyOf(inputs), analysisId: `run-${run}`, inputs, report: makeReport() });
    }

    const entries = await cache.entriesOf('/models/a.json');

    assert.equal(entries.length, MAX_RUNS_PER_MODEL);
    assert.equal(entries[0].analysisId, `run-${MAX_RUNS_PER_MODEL + 2}`);
  });

  it('ignores a corrupt cache file and clears per model', async function () {
    const cache = new ReportCache(path.join(folder, 'storage'));
    const inputs = await inputsWith(0);
    await cache.add('/models/a.json', { key: cacheKeyOf(inputs), analysisId: 'a', inputs, report: makeReport() });
    await cache.add('/models/b.json', { key: cacheKeyOf(inputs), analysisId: 'b', inputs, report: makeReport() });
    fs.writeFileSync(path.join(folder, 'storage', 'reports', 'garbage.json'), '{"version": 1, "entr');

    assert.equal((await cache.allModels()).size, 2);
    assert.equal(await cache.clear('/models/a.json'), 1);
    assert.deepEqual([...(await cache.allModels()).keys()], ['/models/b.json']);
    assert.equal(await cache.clear(), 1);
    assert.equal((await cache.allModels()).size, 0);
  });
});

describe('isUnchanged', function () {
  let folder: string;

  beforeEach(function () {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-fingerprint-'));
  });

  afterEach(function () {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('tells touched files from changed ones', async function () {
    const file = path.join(folder, 'weights.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3, 4]));
    const fingerprint = await fingerprintFile(file);

    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    assert.equal(await isUnchanged(fingerprint), true, 'a touched file counts as changed');

    fs.writeFileSync(file, Buffer.from([1, 2, 3, 5]));
    assert.equal(await isUnchanged(fingerprint), false, 'a rewritten file counts as unchanged');

    fs.rmSync(file);
    assert.equal(await isUnchanged(fingerprint), false, 'a deleted file counts as unchanged');
  });
});
