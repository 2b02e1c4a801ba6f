import * as assert from 'node:assert/strict';

import { PHASE_ORDER, overallPercent, progressMessage } from '../../src/client/progressText';

describe('progress text', function () {
  it('names the phase, the count and the engine message', function () {
    assert.equal(progressMessage({ phase: 'eigenvalues', done: 4, total: 80, message: 'λmax ≈ 12.3' }), 'Extreme eigenvalues (λmax, λmin) (4/80) · λmax ≈ 12.3');
    assert.equal(progressMessage({ phase: 'loading', done: 0, total: 0 }), 'Loading the model and data');
    assert.equal(progressMessage({ phase: 'trace', done: 12, total: 10 }), 'Trace (10/10)');
  });

  it('counts each phase as an equal share', function () {
    const share = 100 / PHASE_ORDER.length;

    assert.equal(overallPercent({ phase: 'loading', done: 0, total: 3 }), 0);
    assert.ok(Math.abs(overallPercent({ phase: 'eigenvalues', done: 5, total: 10 }) - 2.5 * share) < 1e-9);
    assert.equal(overallPercent({ phase: 'slice', done: 41, total: 41 }), 100);
  });
});
