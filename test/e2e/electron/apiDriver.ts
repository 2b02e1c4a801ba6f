import * as path from 'node:path';
import * as vscode from 'vscode';
import { matchesText, type CommandRef, type DiagnosticInfo, type DriverCapabilities, type ScenarioDriver } from '../scenarios/driver';

/**
 * ScenarioDriver for @vscode/test-electron: runs inside VS Code's extension
 * host and acts through the extension API. Menu entries and palette commands
 * become vscode.commands.executeCommand calls, and code lenses and diagnostics
 * are read through the API rather than from the screen.
 *
 * NOTE: this driver has not run on this project's machines, because VS Code
 * cannot be downloaded there. The code-server runner covers the same scenarios.
 */
export class ApiDriver implements ScenarioDriver {
  readonly name = 'electron';
  readonly capabilities: DriverCapabilities = { readWebview: false, readNotifications: false, answerQuickPick: false };

  constructor(
    private readonly workspaceDir: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async runCommand(command: CommandRef): Promise<void> {
    this.startCommand(command.id);
  }

  async openFile(relativePath: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument(this.uri(relativePath));
    await vscode.window.showTextDocument(document, { preview: false });
  }

  async invokeExplorerMenu(relativePath: string, command: CommandRef): Promise<void> {
    // The Explorer passes the clicked file's URI (and the selection) to the command.
    this.startCommand(command.id, this.uri(relativePath), [this.uri(relativePath)]);
  }

  async waitForCodeLens(relativePath: string, title: string | RegExp): Promise<string> {
    const uri = this.uri(relativePath);
    await this.openFile(relativePath);
    return this.poll(`code lens ${String(title)} in ${relativePath}`, async () => {
      // VS Code resolves up to the second argument's number of lenses, so their titles are filled in.
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
      return lenses.map((lens) => lens.command?.title ?? '').find((lensTitle) => matchesText(lensTitle, title));
    });
  }

  async waitForDiagnostic(relativePath: string, message: string | RegExp): Promise<DiagnosticInfo> {
    const uri = this.uri(relativePath);
    return this.poll(`diagnostic ${String(message)} in ${relativePath}`, async () => {
      const diagnostic = vscode.languages.getDiagnostics(uri).find((candidate) => matchesText(candidate.message, message));
      if (diagnostic === undefined) {
        return undefined;
      }
      return {
        severity: severityName(diagnostic.severity),
        message: diagnostic.message,
        source: diagnostic.source ?? '',
        line: diagnostic.range.start.line + 1,
      };
    });
  }

  async waitForWebviewText(): Promise<string> {
    throw new Error('The extension API cannot read a webview; check capabilities.readWebview first.');
  }

  async waitForNotification(): Promise<string> {
    throw new Error('The extension API cannot read notifications; check capabilities.readNotifications first.');
  }

  async answerQuickPick(): Promise<void> {
    throw new Error('The extension API cannot answer a quick pick; check capabilities.answerQuickPick first.');
  }

  async screenshot(): Promise<void> {
    // The extension host cannot capture the window.
  }

  /**
   * Starts a command without waiting for it to finish, as the palette does: a
   * command that shows a quick pick or runs an analysis would otherwise block
   * the scenario. A failure is logged where the test output shows it.
   */
  private startCommand(id: string, ...args: unknown[]): void {
    vscode.commands.executeCommand(id, ...args).then(undefined, (error: unknown) => {
      console.error(`Command ${id} failed: ${String(error)}`);
    });
  }

  private uri(relativePath: string): vscode.Uri {
    return vscode.Uri.file(path.join(this.workspaceDir, ...relativePath.split('/')));
  }

  private async poll<T>(description: string, read: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined) {
        return value;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${this.timeoutMs} ms waiting for ${description}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function severityName(severity: vscode.DiagnosticSeverity): DiagnosticInfo['severity'] {
  switch (severity) {
    case vscode.DiagnosticSeverity.Error:
      return 'error';
    case vscode.DiagnosticSeverity.Warning:
      return 'warning';
    default:
      return 'info';
  }
}
