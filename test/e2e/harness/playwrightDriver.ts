import * as path from 'node:path';

import { matchesText, type CommandRef, type DiagnosticInfo, type DriverCapabilities, type ScenarioDriver } from '../scenarios/driver';
import type { Problem, Workbench } from './workbench';

/** ScenarioDriver for code-server: drives the workbench's DOM in Chromium with Playwright. */
export class PlaywrightDriver implements ScenarioDriver {
  readonly name = 'code-server';
  readonly capabilities: DriverCapabilities = { readWebview: true, readNotifications: true, answerQuickPick: true, answerDialog: true };

  constructor(readonly workbench: Workbench) {}

  async runCommand(command: CommandRef): Promise<void> {
    await this.workbench.runCommand(command.id, command.title);
  }

  async openFile(relativePath: string): Promise<void> {
    await this.workbench.openFile(relativePath);
  }

  async closeAllEditors(): Promise<void> {
    await this.workbench.runCommand('workbench.action.closeAllEditors', 'View: Close All Editors');
    await this.workbench.page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached', timeout: this.workbench.timeoutMs });
  }

  async invokeExplorerMenu(relativePath: string, command: CommandRef): Promise<void> {
    await this.workbench.explorerContextMenu(relativePath, command.menuLabel ?? command.title);
  }

  async invokeEditorTitleAction(relativePath: string, command: CommandRef): Promise<void> {
    await this.workbench.openFile(relativePath);
    // The title bar labels an action with the command's title, without the category.
    await this.workbench.clickEditorTitleAction(command.menuLabel ?? command.title);
  }

  async waitForCodeLens(relativePath: string, title: string | RegExp): Promise<string> {
    await this.workbench.openFile(relativePath);
    const lens = await this.workbench.waitForCodeLens(title);
    return ((await lens.textContent()) ?? '').trim();
  }

  async codeLensTitles(relativePath: string): Promise<string[]> {
    await this.workbench.openFile(relativePath);
    return this.workbench.codeLenses();
  }

  async clickCodeLens(relativePath: string, title: string | RegExp): Promise<void> {
    await this.workbench.openFile(relativePath);
    await this.workbench.clickCodeLens(title);
  }

  async waitForDiagnostic(relativePath: string, message: string | RegExp): Promise<DiagnosticInfo> {
    const problem = await this.workbench.waitForProblem(
      (candidate) => isProblemOf(candidate, relativePath) && matchesText(candidate.message, message),
      `${String(message)} in ${relativePath}`,
    );
    return diagnosticOf(problem);
  }

  async waitForDiagnosticGone(relativePath: string, message: string | RegExp): Promise<void> {
    await this.workbench.waitForValue(`no problem ${String(message)} in ${relativePath}`, async () => {
      const problems = await this.workbench.problems();
      return problems.some((candidate) => isProblemOf(candidate, relativePath) && matchesText(candidate.message, message)) ? undefined : true;
    });
  }

  async diagnostics(relativePath: string): Promise<DiagnosticInfo[]> {
    return (await this.workbench.problems()).filter((problem) => isProblemOf(problem, relativePath)).map(diagnosticOf);
  }

  async waitForWebviewText(selector: string, text: string | RegExp): Promise<string> {
    return this.workbench.waitForWebviewText(selector, text);
  }

  async webviewTexts(selector: string): Promise<string[]> {
    return this.workbench.webviewTexts(selector);
  }

  async scrollWebviewTo(selector: string): Promise<void> {
    await this.workbench.activeWebviewFrame().locator(selector).first().scrollIntoViewIfNeeded({ timeout: this.workbench.timeoutMs });
  }

  async waitForNotification(text: string | RegExp): Promise<string> {
    return this.workbench.waitForNotification(text);
  }

  async answerQuickPick(label: string): Promise<void> {
    await this.workbench.pickQuickPickItem(label);
  }

  async answerInputBox(text: string): Promise<void> {
    await this.workbench.answerInputBox(text);
  }

  async waitForDialog(): Promise<string> {
    return this.workbench.waitForDialog();
  }

  async answerDialog(buttonLabel: string): Promise<void> {
    await this.workbench.answerDialog(buttonLabel);
  }

  async screenshot(name: string): Promise<void> {
    await this.workbench.screenshot(name);
  }
}

/**
 * Tells whether a row of the Problems panel belongs to the workspace file
 * `relativePath`. The panel names a file and its folder relative to the
 * workspace folder, with no folder for a file at the top.
 */
function isProblemOf(problem: Problem, relativePath: string): boolean {
  const folder = path.posix.dirname(relativePath);
  return problem.file === path.posix.basename(relativePath) && problem.folder === (folder === '.' ? '' : folder);
}

function diagnosticOf(problem: Problem): DiagnosticInfo {
  return { severity: problem.severity, message: problem.message, source: problem.source, line: problem.line };
}
