import * as assert from 'node:assert/strict';
import { PROOF_EXTENSION } from '../fixtures/proofExtension';
import type { CommandRef, Scenario } from './driver';

/**
 * Scenarios that prove the harness against the throwaway extension in
 * fixtures/proofExtension.ts, in the workspace that writeProofWorkspace makes.
 */

const MODEL_FILE = 'models/model.json';

const SHOW_WEBVIEW: CommandRef = {
  id: PROOF_EXTENSION.showWebviewCommand.id,
  title: PROOF_EXTENSION.showWebviewCommand.title,
  menuLabel: 'Show Webview',
};

const PICK_FRUIT: CommandRef = {
  id: PROOF_EXTENSION.pickFruitCommand.id,
  title: PROOF_EXTENSION.pickFruitCommand.title,
};

export const explorerMenuOpensWebview: Scenario = {
  name: 'Explorer menu opens webview',
  async run(driver) {
    await driver.invokeExplorerMenu(MODEL_FILE, SHOW_WEBVIEW);
    if (driver.capabilities.readWebview) {
      // The exact text, because an earlier proof webview may still be visible for a moment.
      const heading = await driver.waitForWebviewText('#proof', `${PROOF_EXTENSION.webviewHeading} model.json`);
      assert.equal(heading, `${PROOF_EXTENSION.webviewHeading} model.json`);
    }
    await driver.screenshot('explorer-menu-webview');
  },
};

export const codeLensShown: Scenario = {
  name: 'code lens shown on .json file',
  async run(driver) {
    const title = await driver.waitForCodeLens(MODEL_FILE, PROOF_EXTENSION.codeLensTitle);
    // model.json has the keys name, layers and todo.
    assert.equal(title, `${PROOF_EXTENSION.codeLensTitle}: 3 keys`);
    await driver.screenshot('code-lens');
  },
};

export const paletteCommandAnswersQuickPick: Scenario = {
  name: 'palette command with quick pick',
  async run(driver) {
    if (!driver.capabilities.answerQuickPick) {
      return;
    }
    await driver.runCommand(PICK_FRUIT);
    await driver.answerQuickPick('banana');
    if (driver.capabilities.readNotifications) {
      const message = await driver.waitForNotification(`${PROOF_EXTENSION.pickedMessage} banana`);
      assert.equal(message, `${PROOF_EXTENSION.pickedMessage} banana`);
    }
    await driver.screenshot('quick-pick-notification');
  },
};

export const diagnosticInProblems: Scenario = {
  name: 'warning listed in Problems',
  async run(driver) {
    // The extension checks documents as they open.
    await driver.openFile(MODEL_FILE);
    const diagnostic = await driver.waitForDiagnostic(MODEL_FILE, PROOF_EXTENSION.diagnosticMessage);
    assert.equal(diagnostic.severity, 'warning');
    assert.equal(diagnostic.source, 'e2e-proof');
    assert.equal(diagnostic.line, 4);
    await driver.screenshot('problems');
  },
};

/** Every proof scenario, in the order the runners run them in one session. */
export const PROOF_SCENARIOS: Scenario[] = [explorerMenuOpensWebview, codeLensShown, paletteCommandAnswersQuickPick, diagnosticInProblems];
