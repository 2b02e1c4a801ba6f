import { strict as assert } from 'node:assert';

import { collectWarnings } from '../../../src/engine/analysis/reportWarnings';
import type { Report } from '../../../src/engine/report';
import { makeLayer, makeReport } from '../../server/reportFixture';

/** Warnings derived from finished reports, on hand-made reports whose facts are known. */

const FACTS = { requestedMethod: 'auto' as const, unverifiedLayers: [], piecewiseLinear: true };

function messageOf(report: Report, code: string): string | undefined {
  return collectWarnings(report, FACTS).find((warning) => warning.code === code)?.message;
}

describe('report warnings', function () {
  it('zero Hessian blames saturation', function () {
    const report = makeReport({ top: [0, 0], bottom: [0, 0] });
    report.eigenvalues.breakdown = true;

    assert.match(messageOf(report, 'zero-curvature') ?? '', /saturated .* not scaled as in training/);
    assert.equal(messageOf(report, 'lanczos-breakdown'), undefined);
  });

  it('zero Hessian under mean absolute error', function () {
    const report = makeReport({ top: [0], bottom: [0] });
    report.loss = 'mean_absolute_error';

    assert.match(messageOf(report, 'zero-curvature') ?? '', /Mean absolute error has a zero second derivative/);
  });

  it('no zero warning for real curvature', function () {
    assert.equal(messageOf(makeReport({ top: [1e-3], bottom: [0] }), 'zero-curvature'), undefined);
  });

  it('short power top list', function () {
    const report = makeReport({ top: [9], bottom: [-12, -8, -7] });
    report.eigenvalues.method = 'power';
    report.settings = { ...report.settings, topK: 2 };

    assert.match(messageOf(report, 'power-incomplete') ?? '', /^Power iteration found 1 of the 2 largest eigenvalues: .* negative ones .* its 4 pairs\./);
    assert.equal(messageOf(makeReport({ top: [9, 5], bottom: [] }), 'power-incomplete'), undefined, 'Lanczos reports never get it');
  });

  it('breakdown after one step', function () {
    const report = makeReport({ top: [3], bottom: [3] });
    report.eigenvalues.breakdown = true;
    report.eigenvalues.iterations = 1;

    assert.match(messageOf(report, 'lanczos-breakdown') ?? '', /^Lanczos stopped after 1 step on/);
  });

  it('requested differences on a kinked model', function () {
    const report = makeReport();
    report.hvp.method = 'finite-difference';
    const requested = { ...FACTS, requestedMethod: 'finite-difference' as const };

    assert.match(collectWarnings(report, requested).find((warning) => warning.code === 'finite-differences-at-kinks')?.message ?? '', /--method auto/);
    const smooth = collectWarnings(report, { ...requested, piecewiseLinear: false });
    assert.equal(smooth.some((warning) => warning.code === 'finite-differences-at-kinks'), false);
  });

  it('unresolved layer trace', function () {
    const report = makeReport({
      layers: [
        // A layer of 850 parameters with λmax 32.1 cannot have a trace of −5.9e30.
        makeLayer('wide', { numParameters: 850, lambdaMax: 32.1, lambdaMin: 0, trace: -5.9e30, traceStandardError: 4.9e30 }),
        makeLayer('noisy', { trace: 0.4, traceStandardError: 0.5 }),
        makeLayer('fine', { trace: 19.3, traceStandardError: 0.15 }),
      ],
    });

    const message = messageOf(report, 'layer-trace-unresolved') ?? '';
    assert.match(message, /^The trace of wide \(-5\.90e\+30 ± 4\.9e\+30\), noisy \(0\.400 ± 0\.50\) is not resolved/);
    assert.doesNotMatch(message, /fine/);
  });
});
