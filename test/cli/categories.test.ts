import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { readSidecar } from '../../src/engine/data/sidecar';
import type { Report } from '../../src/engine/report';
import { ABALONE_DATA, copyAbalone, runCapturedCli, TINY_RUN } from '../breaker/cliHelpers';
import { makeTemporaryFolder } from '../engine/analysisFixtures';

/**
 * Text columns of a CSV file: without given categories they are numbered in
 * order of first appearance, which the report must state, and --categories
 * sets the order, which --save-config keeps for the next run. The abalone CSV starts with
 * sex M, M, F, while its model was trained with F, M, I.
 */
describe('CLI text-column categories', function () {
  let folder: string;

  beforeEach(() => {
    folder = makeTemporaryFolder('hessian-categories-');
  });

  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  async function analyze(extra: string[]): Promise<Report> {
    const model = copyAbalone(folder);
    const reportPath = path.join(folder, 'report.json');
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--json', reportPath, '--quiet', ...extra]);
    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);
    return JSON.parse(fs.readFileSync(reportPath, 'utf8')) as Report;
  }

  it('notes first-appearance order', async () => {
    const report = await analyze([]);

    assert.deepEqual(report.data.categories, { sex: ['M', 'F', 'I'] });
    const note = report.notes.find((text) => text.startsWith('Text columns numbered in order of first appearance'));
    assert.ok(note !== undefined, report.notes.join(' | '));
    assert.match(note, /"sex": M→0, F→1, I→2/);
    assert.match(note, /"categories": \{"sex":\["M","F","I"\]\}/);
  });

  it('--categories sets the order', async () => {
    const report = await analyze(['--categories', 'sex=F,M,I']);

    assert.deepEqual(report.data.categories, { sex: ['F', 'M', 'I'] });
    assert.equal(
      report.notes.some((text) => text.startsWith('Text columns numbered')),
      false,
      report.notes.join(' | '),
    );
  });

  it('--save-config saves given orders only', async () => {
    await analyze(['--save-config']);
    const guessed = await readSidecar(path.join(folder, 'model.json'));
    assert.equal(guessed?.categories, undefined, 'the order of first appearance is a guess, not saved');

    await analyze(['--categories', 'sex=F,M,I', '--save-config']);
    const typed = await readSidecar(path.join(folder, 'model.json'));
    assert.deepEqual(typed?.categories, { sex: ['F', 'M', 'I'] });
  });

  it('sidecar categories stay with their file', async () => {
    // The sidecar links another CSV whose column "colour" this file lacks.
    const model = copyAbalone(folder);
    fs.writeFileSync(path.join(folder, 'model.hessian.json'), JSON.stringify({ data: 'other.csv', categories: { colour: ['red', 'blue'] } }));
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--quiet']);

    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);
  });

  it('sidecar fields reach a linked spelling', async () => {
    // The sidecar links abalone.csv; the command line names it through a symbolic link, without the label column.
    const model = copyAbalone(folder);
    fs.copyFileSync(ABALONE_DATA[1], path.join(folder, 'abalone.csv'));
    fs.symlinkSync('abalone.csv', path.join(folder, 'link.csv'));
    fs.writeFileSync(path.join(folder, 'model.hessian.json'), JSON.stringify({ data: 'abalone.csv', labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } }));
    const reportPath = path.join(folder, 'report.json');

    const result = await runCapturedCli(['analyze', model, '--data', path.join(folder, 'link.csv'), '--loss', 'mean_squared_error', ...TINY_RUN, '--json', reportPath, '--quiet']);
    assert.equal(result.exitCode, 0, `exit code; stderr: ${result.stderr}`);
    const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as Report;
    assert.deepEqual(report.data.categories, { sex: ['F', 'M', 'I'] });
  });

  it('JSON categories with commas and accents', async () => {
    // "I, infant" is not in the file, so the error proves that the JSON form kept the comma inside the name.
    const model = copyAbalone(folder);
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--categories', '{"sex": ["F", "M", "I, infant"]}']);
    assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr}`);
    assert.match(result.stderr, /has the value "I", which is not among the given categories/);

    // The file writes Í as one code point (NFC); the option gives it as I and a combining accent (NFD).
    const accented = path.join(folder, 'accented.csv');
    fs.writeFileSync(accented, fs.readFileSync(ABALONE_DATA[1], 'utf8').replace(/^I,/gm, 'Í,'));
    const reportPath = path.join(folder, 'report.json');
    const categories = JSON.stringify({ sex: ['F', 'M', 'Í'.normalize('NFD')] });
    const accentedRun = await runCapturedCli(['analyze', model, '--data', accented, ...ABALONE_DATA.slice(2), ...TINY_RUN, '--categories', categories, '--json', reportPath, '--quiet']);
    assert.equal(accentedRun.exitCode, 0, `exit code; stderr: ${accentedRun.stderr}`);
    const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as Report;
    assert.equal(report.data.categories?.sex?.length, 3);
  });

  it('--categories without names', async () => {
    const model = copyAbalone(folder);
    const result = await runCapturedCli(['analyze', model, ...ABALONE_DATA, ...TINY_RUN, '--categories', 'sex']);

    assert.equal(result.exitCode, 2, `exit code; stderr: ${result.stderr}`);
    assert.match(result.stderr, /Expected column=name,name,\.\.\. such as sex=F,M,I, got "sex"/);
  });
});
