import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import type { FixStepsReport } from './fixSteps.child';
import { describeVerdict } from './layerCheck';
import { TEST_BACKENDS } from './backendSetup';

/**
 * Shows that every fix is needed. A child process installs the fixes one at
 * a time on a stock TensorFlow.js, because fixes cannot be uninstalled. Each
 * step must turn its cases from failing (wrong or throwing) to passing. The
 * self-test must fail on the stock library and pass after the last step.
 */
const CHILD = path.join(__dirname, 'fixSteps.child.ts');

for (const backend of TEST_BACKENDS) {
  describe(`fixes installed one at a time on ${backend}`, () => {
    let report: FixStepsReport;

    before(function () {
      this.timeout(120_000);
      const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, backend], {
        encoding: 'utf8',
        timeout: 110_000,
        cwd: path.resolve(__dirname, '..', '..', '..'),
      });
      assert.equal(child.status, 0, `child process failed: ${child.stderr}`);
      const line = child.stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      assert.ok(line, `child process printed no report: ${child.stdout}`);
      report = JSON.parse(line) as FixStepsReport;
    });

    it('self-test fails on stock tfjs', () => {
      assert.equal(report.selfTestBefore.passed, false);
      assert.ok(report.selfTestBefore.checks.every((check) => !check.passed), 'every check exercises a fix');
    });

    it('self-test passes after all steps', () => {
      assert.equal(report.selfTestAfter.passed, true, JSON.stringify(report.selfTestAfter.checks));
    });

    it('each step fixes its cases', () => {
      assert.ok(report.steps.length > 0);
      for (const step of report.steps) {
        step.before.forEach((verdict) => assert.equal(verdict.passed, false, `${step.step}, before: ${describeVerdict(verdict)}`));
        step.after.forEach((verdict) => assert.equal(verdict.passed, true, `${step.step}, after: ${describeVerdict(verdict)}`));
      }
    });
  });
}
