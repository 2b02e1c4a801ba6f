import * as vscode from 'vscode';
import { PROOF_SCENARIOS } from '../scenarios/proofScenarios';
import { ApiDriver } from './apiDriver';

/**
 * Entry point that VS Code's extension host calls (extensionTestsPath) in the
 * @vscode/test-electron run. Runs every scenario with the ApiDriver and
 * rejects when any fails, which makes runTests exit non-zero.
 */
export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    throw new Error('The e2e run opened no workspace folder; runTests passes the proof workspace as the first launch argument.');
  }
  const driver = new ApiDriver(folder.uri.fsPath);

  let passed = 0;
  const failures: string[] = [];
  for (const scenario of PROOF_SCENARIOS) {
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
  console.log(`${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) {
    throw new Error(`e2e scenarios failed in VS Code (electron): ${failures.join(', ')}`);
  }
}
