import * as assert from 'node:assert/strict';
import { smoothDensity, trapezoidIntegral } from '../../../src/engine/linalg/smoothing';

describe('smoothDensity', () => {
  it('turns one node into a Gaussian', () => {
    const density = smoothDensity(Float64Array.from([2]), Float64Array.from([1]), { sigma: 0.5, gridPoints: 1001 });
    const peakIndex = 500;

    assert.ok(Math.abs(density.grid[peakIndex] - 2) < 1e-12, `grid center ${density.grid[peakIndex]}`);
    assert.ok(Math.abs(density.grid[0] - (2 - 5 * 0.5)) < 1e-12, `grid start ${density.grid[0]}`);
    assert.ok(Math.abs(density.grid[1000] - (2 + 5 * 0.5)) < 1e-12, `grid end ${density.grid[1000]}`);
    // Peak 1/(σ√(2π)), scaled by the renormalization of the 1 − 6e-7 of the mass inside ±5σ.
    const peak = 1 / (0.5 * Math.sqrt(2 * Math.PI));
    assert.ok(Math.abs(density.values[peakIndex] / peak - 1) < 1e-5, `peak ${density.values[peakIndex]} vs ${peak}`);
    const oneSigma = density.values[peakIndex + 100];
    assert.ok(Math.abs(oneSigma / density.values[peakIndex] - Math.exp(-0.5)) < 1e-12, 'value at one σ');
    assert.ok(Math.abs(density.integralBeforeNormalization - (1 - 5.7e-7)) < 1e-6, `integral ${density.integralBeforeNormalization}`);
  });

  it('weights nodes and integrates to 1', () => {
    const density = smoothDensity(Float64Array.from([-1, 0, 4]), Float64Array.from([0.25, 0.25, 0.5]));
    const spacing = density.grid[1] - density.grid[0];

    assert.ok(Math.abs(density.sigma - 0.05) < 1e-15, `default sigma ${density.sigma}`);
    assert.ok(Math.abs(trapezoidIntegral(density.values, spacing) - 1) < 1e-12, 'integral after renormalization');
    const valueAt = (x: number) => density.values[Math.round((x - density.grid[0]) / spacing)];
    assert.ok(Math.abs(valueAt(4) / valueAt(-1) - 2) < 1e-3, `peak ratio ${valueAt(4) / valueAt(-1)}`);
  });

  it('picks sigma for degenerate ranges', () => {
    assert.ok(Math.abs(smoothDensity(Float64Array.from([-3, -3]), Float64Array.from([0.5, 0.5])).sigma - 0.03) < 1e-15);
    assert.equal(smoothDensity(Float64Array.from([0]), Float64Array.from([1])).sigma, 0.01);
  });

  it('rejects invalid input', () => {
    assert.throws(() => smoothDensity(new Float64Array(0), new Float64Array(0)), RangeError);
    assert.throws(() => smoothDensity(Float64Array.from([1, 2]), Float64Array.from([1])), RangeError);
    assert.throws(() => smoothDensity(Float64Array.from([1]), Float64Array.from([1]), { sigma: 0 }), RangeError);
    assert.throws(() => smoothDensity(Float64Array.from([1]), Float64Array.from([1]), { gridPoints: 1 }), RangeError);
  });
});

describe('trapezoidIntegral', () => {
  it('integrates a linear function exactly', () => {
    assert.equal(trapezoidIntegral([0, 1, 2, 3], 0.5), 2.25);
  });
});
