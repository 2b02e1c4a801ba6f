import * as path from 'node:path';

import * as vscode from 'vscode';

import type { ProgressEvent } from '../engine/report';
import { overallPercent, progressMessage } from './progressText';

interface ProgressView {
  report(event: ProgressEvent): void;
  end(): void;
}

/**
 * One progress notification per running analysis, with a Cancel button. The
 * server's notifications drive it, so runs that a save started get one too.
 */
export class AnalysisProgressViews implements vscode.Disposable {
  private readonly views = new Map<string, ProgressView>();

  constructor(private readonly cancel: (modelPath: string) => Promise<void>) {}

  /** Shows the notification of a run; a second call for the same id does nothing. */
  start(analysisId: string, modelPath: string): void {
    if (this.views.has(analysisId)) {
      return;
    }
    let reportEvent: (event: ProgressEvent) => void = () => {};
    let end: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.views.set(analysisId, { report: (event) => reportEvent(event), end: () => end() });

    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Hessian spectrum of ${path.basename(modelPath)}`,
        cancellable: true,
      },
      (progress, token) => {
        let percent = 0;
        reportEvent = (event) => {
          const next = overallPercent(event);
          progress.report({ message: progressMessage(event), increment: Math.max(next - percent, 0) });
          percent = Math.max(percent, next);
        };
        token.onCancellationRequested(() => {
          progress.report({ message: 'Cancelling…' });
          void this.cancel(modelPath);
        });
        return ended;
      },
    );
  }

  report(analysisId: string, event: ProgressEvent): void {
    this.views.get(analysisId)?.report(event);
  }

  /** Closes the notification of a run that finished, failed or was cancelled. */
  end(analysisId: string): void {
    this.views.get(analysisId)?.end();
    this.views.delete(analysisId);
  }

  dispose(): void {
    for (const view of this.views.values()) {
      view.end();
    }
    this.views.clear();
  }
}
