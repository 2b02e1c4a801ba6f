/**
 * Which scenarios the @vscode/test-electron run executes inside VS Code: the
 * runner sets this environment variable for the extension host, and suite.ts
 * reads it. Kept apart from suite.ts, which imports `vscode` and so loads only
 * inside VS Code.
 */
export const SUITE_VARIABLE = 'HESSIAN_E2E_SUITE';

/** `proof`: the harness's own scenarios with the throwaway extension; `extension`: the Hessian Spectrum scenarios. */
export type SuiteName = 'proof' | 'extension';
