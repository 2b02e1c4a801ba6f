import * as assert from 'node:assert/strict';

import { DEFAULT_SETTINGS } from '../../src/engine/report';
import { DEFAULT_EXTENSION_SETTINGS, parseSettings } from '../../src/server/settings';

describe('parseSettings', function () {
  it('reads every setting of the section', function () {
    const settings = parseSettings({
      samples: 128,
      batchSize: 32,
      topK: 3,
      lanczosSteps: 40,
      densityRuns: 2,
      densitySteps: 30,
      traceProbes: 10,
      slicePoints: 0,
      method: 'exact',
      backend: 'wasm',
      seed: 7,
      workers: 2,
      analyzeOnSave: true,
      diagnostics: { sharpMinimumThreshold: 50, negativeCurvatureTolerance: 0.1, negativeMassThreshold: 0.2, chanceAccuracyMargin: 0.01 },
    });

    assert.deepEqual(settings, {
      analysis: { ...DEFAULT_SETTINGS, samples: 128, batchSize: 32, topK: 3, lanczosSteps: 40, densityRuns: 2, densitySteps: 30, traceProbes: 10, slicePoints: 0, method: 'exact', seed: 7, workers: 2 },
      backend: 'wasm',
      analyzeOnSave: true,
      thresholds: { sharpMinimumLambdaMax: 50, negativeCurvatureTolerance: 0.1, negativeMassThreshold: 0.2, chanceAccuracyMargin: 0.01 },
    });
  });

  it('falls back to defaults for invalid values', function () {
    const settings = parseSettings({
      samples: 0,
      batchSize: 2.5,
      topK: '5',
      method: 'newton',
      backend: 'gpu',
      workers: -1,
      analyzeOnSave: 'yes',
      diagnostics: { negativeMassThreshold: 1.5, sharpMinimumThreshold: Number.NaN },
    });

    assert.deepEqual(settings, DEFAULT_EXTENSION_SETTINGS);
  });

  it('accepts a missing section', function () {
    assert.deepEqual(parseSettings(undefined), DEFAULT_EXTENSION_SETTINGS);
    assert.deepEqual(parseSettings(null), DEFAULT_EXTENSION_SETTINGS);
  });
});
