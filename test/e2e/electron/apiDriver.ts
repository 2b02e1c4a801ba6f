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
  readonly capabilities: DriverCapabilities = { readWebview: false, readNotifications: false, answerQuickPick: false, answerDialog: false };

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

  async closeAllEditors(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }

  async invokeExplorerMenu(relativePath: string, command: CommandRef): Promise<void> {
    // The Explorer passes the clicked file's URI (and the selection) to the command.
    this.startCommand(command.id, this.uri(relativePath), [this.uri(relativePath)]);
  }

  async invokeEditorTitleAction(relativePath: string, command: CommandRef): Promise<void> {
    // The editor title passes the editor's URI to the command.
    await this.openFile(relativePath);
    this.startCommand(command.id, this.uri(relativePath));
  }

  async waitForCodeLens(relativePath: string, title: string | RegExp): Promise<string> {
    await this.openFile(relativePath);
    return this.poll(`code lens ${String(title)} in ${relativePath}`, async () => {
      const lens = (await this.codeLenses(relativePath)).find((candidate) => matchesText(candidate.command?.title ?? '', title));
      return lens?.command?.title;
    });
  }

  async codeLensTitles(relativePath: string): Promise<string[]> {
    await this.openFile(relativePath);
    return (await this.codeLenses(relativePath)).map((lens) => lens.command?.title ?? '');
  }

  async clickCodeLens(relativePath: string, title: string | RegExp): Promise<void> {
    await this.openFile(relativePath);
    const command = await this.poll(`code lens ${String(title)} in ${relativePath}`, async () => {
      const lens = (await this.codeLenses(relativePath)).find((candidate) => matchesText(candidate.command?.title ?? '', title));
      return lens?.command;
    });
    this.startCommand(command.command, ...(command.arguments ?? []));
  }

  async waitForDiagnostic(relativePath: string, message: string | RegExp): Promise<DiagnosticInfo> {
    return this.poll(`diagnostic ${String(message)} in ${relativePath}`, async () =>
      (await this.diagnostics(relativePath)).find((candidate) => matchesText(candidate.message, message)),
    );
  }

  async waitForDiagnosticGone(relativePath: string, message: string | RegExp): Promise<void> {
    await this.poll(`no diagnostic ${String(message)} in ${relativePath}`, async () =>
      (await this.diagnostics(relativePath)).some((candidate) => matchesText(candidate.message, message)) ? undefined : true,
    );
  }

  async diagnostics(relativePath: string): Promise<DiagnosticInfo[]> {
    return vscode.languages.getDiagnostics(this.uri(relativePath)).map((diagnostic) => ({
      severity: severityName(diagnostic.severity),
      message: diagnostic.message,
      source: diagnostic.source ?? '',
      line: diagnostic.range.start.line + 1,
    }));
  }

  async waitForWebviewText(): Promise<string> {
    throw new Error('The extension API cannot read a webview; check capabilities.readWebview first.');
  }

  async webviewTexts(): Promise<string[]> {
    throw new Error('The extension API cannot read a webview; check capabilities.readWebview first.');
  }

  async scrollWebviewTo(): Promise<void> {
    throw new Error('The extension API cannot reach into a webview; check capabilities.readWebview first.');
  }

  async waitForNotification(): Promise<string> {
    throw new Error('The extension API cannot read notifications; check capabilities.readNotifications first.');
  }

  async answerQuickPick(): Promise<void> {
    throw new Error('The extension API cannot answer a quick pick; check capabilities.answerQuickPick first.');
  }

  async answerInputBox(): Promise<void> {
    throw new Error('The extension API cannot type into an input box; check capabilities.answerQuickPick first.');
  }

  async waitForDialog(): Promise<string> {
    throw new Error('The extension API cannot read a modal dialog; check capabilities.answerDialog first.');
  }

  async answerDialog(): Promise<void> {
    throw new Error('The extension API cannot answer a modal dialog; check capabilities.answerDialog first.');
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

  /** Returns the file's code lenses with their commands, which VS Code resolves for up to the second argument's number of lenses. */
  private async codeLenses(relativePath: string): Promise<vscode.CodeLens[]> {
    return (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>('vscode.executeCodeLensProvider', this.uri(relativePath), 100)) ?? [];
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
