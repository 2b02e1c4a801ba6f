import * as vscode from 'vscode';
import type { Scenario } from '../scenarios/driver';
import { extensionScenarios } from '../scenarios/extensionScenarios';
import { extensionWorkspaceLayout } from '../scenarios/extensionWorkspace';
import { PROOF_SCENARIOS } from '../scenarios/proofScenarios';
import { ApiDriver } from './apiDriver';
import { SUITE_VARIABLE, type SuiteName } from './suiteSelection';

/**
 * Milliseconds the driver waits for a lens or diagnostic. The Hessian Spectrum
 * scenarios wait for whole analyses, which take up to about 20 s on a loaded
 * two-core machine with the workspace's small settings.
 */
const TIMEOUT_MS: Record<SuiteName, number> = { proof: 30_000, extension: 120_000 };

/**
 * Entry point that VS Code's extension host calls (extensionTestsPath) in the
 * @vscode/test-electron run. Runs every scenario of the suite that
 * HESSIAN_E2E_SUITE names with the ApiDriver, and rejects when any fails,
 * which makes runTests exit non-zero.
 */
export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    throw new Error('The e2e run opened no workspace folder; runTests passes the workspace as the first launch argument.');
  }
  const suite = process.env[SUITE_VARIABLE] ?? 'proof';
  if (suite !== 'proof' && suite !== 'extension') {
    throw new Error(`Invalid ${SUITE_VARIABLE} "${suite}": expected proof or extension.`);
  }
  let scenarios: Scenario[] = PROOF_SCENARIOS;
  if (suite === 'extension') {
    const layout = extensionWorkspaceLayout(folder.uri.fsPath);
    scenarios = extensionScenarios(() => layout);
  }
  const driver = new ApiDriver(folder.uri.fsPath, TIMEOUT_MS[suite]);

  let passed = 0;
  const failures: string[] = [];
  for (const scenario of scenarios) {
    const startedAt = Date.now();
    try {
      await scenario.run(driver);
      passed++;
      console.log(`  ✔ ${scenario.name} (${Date.now() - startedAt} ms)`);
    } catch (error) {
      failures.push(scenario.name);
      console.error(`  ✖ ${scenario.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  console.log(`${suite} suite: ${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) {
    throw new Error(`e2e scenarios failed in VS Code (electron): ${failures.join(', ')}`);
  }
}
