import { matchesText, type CommandRef, type DiagnosticInfo, type DriverCapabilities, type ScenarioDriver } from '../scenarios/driver';
import type { Workbench } from './workbench';
import * as path from 'node:path';

/** ScenarioDriver for code-server: drives the workbench's DOM in Chromium with Playwright. */
export class PlaywrightDriver implements ScenarioDriver {
  readonly name = 'code-server';
  readonly capabilities: DriverCapabilities = { readWebview: true, readNotifications: true, answerQuickPick: true };

  constructor(readonly workbench: Workbench) {}

  async runCommand(command: CommandRef): Promise<void> {
    await this.workbench.runCommand(command.id, command.title);
  }

  async openFile(relativePath: string): Promise<void> {
    await this.workbench.openFile(relativePath);
  }

  async invokeExplorerMenu(relativePath: string, command: CommandRef): Promise<void> {
    await this.workbench.explorerContextMenu(relativePath, command.menuLabel ?? command.title);
  }

  async waitForCodeLens(relativePath: string, title: string | RegExp): Promise<string> {
    await this.workbench.openFile(relativePath);
    const lens = await this.workbench.waitForCodeLens(title);
    return ((await lens.textContent()) ?? '').trim();
  }

  async waitForDiagnostic(relativePath: string, message: string | RegExp): Promise<DiagnosticInfo> {
    const file = path.posix.basename(relativePath);
    const problem = await this.workbench.waitForProblem(
      (candidate) => candidate.file === file && matchesText(candidate.message, message),
      `${String(message)} in ${relativePath}`,
    );
    return { severity: problem.severity, message: problem.message, source: problem.source, line: problem.line };
  }

  async waitForWebviewText(selector: string, text: string | RegExp): Promise<string> {
    return this.workbench.waitForWebviewText(selector, text);
  }

  async waitForNotification(text: string | RegExp): Promise<string> {
    return this.workbench.waitForNotification(text);
  }

  async answerQuickPick(label: string): Promise<void> {
    await this.workbench.pickQuickPickItem(label);
  }

  async screenshot(name: string): Promise<void> {
    await this.workbench.screenshot(name);
  }
}
