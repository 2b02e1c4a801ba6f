import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { computeExtremeEigenvalues } from '../../src/engine/analysis/spectrumPhases';
import type { SymmetricOperator } from '../../src/engine/linalg/operator';
import { DEFAULT_SETTINGS } from '../../src/engine/report';
import { REPO_ROOT } from '../realFiles';

/** Builds the operator diag(diagonal), whose eigenvalues are the diagonal entries. */
function diagonalOperator(diagonal: number[]): SymmetricOperator {
  return {
    size: diagonal.length,
    apply: async (vector) => Float64Array.from(vector, (value, i) => value * diagonal[i]),
  };
}

describe('power iteration report', function () {
  // An indefinite spectrum whose most negative eigenvalue is larger in magnitude than λmax,
  // as on a model far from a minimum.
  const diagonal = [-10, 8, 6, 1, 0.5, 0.25, 0.1, -0.2, 0.05, 0.01];

  it('top-1 is the largest eigenvalue', async () => {
    const settings = { ...DEFAULT_SETTINGS, eigenMethod: 'power' as const, topK: 1, lanczosSteps: 500 };
    const { summary } = await computeExtremeEigenvalues(diagonalOperator(diagonal), settings, 'float64', {});

    assert.equal(summary.top.length, 1);
    assert.ok(Math.abs(summary.top[0] - 8) < 1e-3, `λmax is 8, got ${summary.top[0]}`);
  });

  it('top-3 are the three largest', async () => {
    const settings = { ...DEFAULT_SETTINGS, eigenMethod: 'power' as const, topK: 3, lanczosSteps: 500 };
    const { summary } = await computeExtremeEigenvalues(diagonalOperator(diagonal), settings, 'float64', {});

    assert.deepEqual(
      summary.top.map((value) => Math.round(value * 1000) / 1000),
      [8, 6, 1],
      `the report calls these the largest eigenvalues, descending: ${summary.top.join(', ')}`,
    );
  });
});

describe('README links', function () {
  it('relative links resolve', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z]+:/i.test(target));
    assert.ok(targets.length > 0, 'the README has relative links');

    // Checked against git's index, because a fresh clone has only the files that git tracks.
    const tracked = new Set(
      execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== ''),
    );
    const missing = targets.filter((target) => !tracked.has(path.posix.normalize(target)));
    assert.deepEqual(missing, [], 'every file the README links to is in the repository');
  });
});
