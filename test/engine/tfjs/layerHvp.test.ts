import * as assert from 'node:assert/strict';

import { TEST_BACKENDS, useBackend } from './backendSetup';
import { GRADIENT_TOLERANCE, HVP_TOLERANCE, checkLayerCase, describeVerdict, liveTensors } from './layerCheck';
import { LAYER_CASES } from './layerCases';

/**
 * Exact Hessian-vector products of every supported layer type, activation
 * and loss against the finite-difference reference of finiteDifference.ts,
 * on each test backend with the fixes installed. fixSteps.test.ts shows
 * which of these cases fail without which fix.
 */
for (const backend of TEST_BACKENDS) {
  describe(`exact HVP per layer type on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const layerCase of LAYER_CASES) {
      it(layerCase.name, async () => {
        const tensorsBefore = liveTensors();
        const verdict = await checkLayerCase(layerCase);

        assert.equal(verdict.error, undefined, describeVerdict(verdict));
        assert.ok(verdict.hvpProbes >= 3, `too few consistent probes: ${describeVerdict(verdict)}`);
        assert.ok(verdict.gradientProbes >= 3, `too few consistent probes: ${describeVerdict(verdict)}`);
        assert.ok(verdict.hvpError <= HVP_TOLERANCE, describeVerdict(verdict));
        assert.ok(verdict.gradientError <= GRADIENT_TOLERANCE, describeVerdict(verdict));
        assert.equal(liveTensors(), tensorsBefore, 'tensors leaked');
      });
    }
  });
}
