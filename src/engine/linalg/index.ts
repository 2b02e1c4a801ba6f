/**
 * Linear algebra on abstract symmetric operators: the numerical core of the
 * engine, free of TensorFlow.js and VS Code. A report needs three estimates:
 * `lanczos` for the extreme eigenvalues, `hutchPlusPlusTrace` or
 * `hutchinsonTrace` for the trace and `spectralDensity` for the density. The
 * other exports are the building blocks they share and the oracles of the tests.
 */
export type { RunOptions, SymmetricOperator } from './operator';
export { applyOperator } from './operator';

export { lanczos } from './lanczos';
export type { BasisPrecision, LanczosOptions, LanczosResult } from './lanczos';
export type { RitzPair } from './ritz';

export { powerIteration } from './power';
export type { PowerEigenpair, PowerIterationOptions, PowerIterationResult } from './power';

export { hutchinsonTrace, hutchPlusPlusTrace } from './trace';
export type { HutchinsonOptions, HutchPlusPlusOptions, TraceEstimate } from './trace';

export { densityStartVector, spectralDensity } from './slq';
export type { SpectralDensity, SpectralDensityOptions } from './slq';
export { smoothDensity } from './smoothing';
export type { SmoothedDensity, SmoothingOptions } from './smoothing';

export { densitySummary, lanczosEigenvalueSummary, powerEigenvalueSummary, traceSummary } from './reportSummaries';

export { tridiagonalEigen } from './tridiagonal';
export type { TridiagonalEigenOptions, TridiagonalEigenResult } from './tridiagonal';
export { symmetricEigen } from './denseEigen';
export type { SymmetricEigenResult } from './denseEigen';
export { denseOperator, materializeOperator, matrixFromRows, multiplyMatrixVector, symmetricPart } from './denseMatrix';
export type { DenseMatrix } from './denseMatrix';
export { extendOrthonormalBasis, orthogonalizeAgainst, orthonormalBasis } from './gramSchmidt';
export { createRandom } from './random';
export type { Random } from './random';
export type { NumericVector } from './vector';
