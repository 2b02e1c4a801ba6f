import cliProgress from 'cli-progress';

import type { AnalysisPhase, ProgressEvent } from '../engine/report';

/** Labels of the phases as the progress bars show them. */
const PHASE_LABELS: Record<AnalysisPhase, string> = {
  loading: 'Loading model and data',
  verifying: 'Verifying exact HVP',
  eigenvalues: 'Extreme eigenvalues',
  trace: 'Trace',
  density: 'Spectral density',
  layers: 'Per-layer curvature',
  slice: 'Loss along top eigenvector',
};

/**
 * Progress of an analysis on stderr: a bar per phase on a terminal, a line per
 * phase elsewhere (CI logs), nothing with --quiet.
 */
export class ProgressBars {
  private readonly multiBar: cliProgress.MultiBar | null;
  private bar: cliProgress.SingleBar | null = null;
  private phase: AnalysisPhase | null = null;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {
    this.multiBar =
      !quiet && stream.isTTY
        ? new cliProgress.MultiBar(
            {
              stream,
              format: '{label} |{bar}| {value}/{total} {message}',
              hideCursor: true,
              clearOnComplete: false,
              barsize: 30,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
  }

  update(event: ProgressEvent): void {
    if (this.quiet) {
      return;
    }
    const label = PHASE_LABELS[event.phase].padEnd(28);
    const message = event.message ?? '';

    if (event.phase !== this.phase) {
      this.finishPhase();
      this.phase = event.phase;
      if (this.multiBar) {
        this.bar = this.multiBar.create(Math.max(event.total, 1), event.done, { label, message });
      } else {
        this.stream.write(`${PHASE_LABELS[event.phase]}...\n`);
      }
      return;
    }
    if (this.bar) {
      this.bar.setTotal(Math.max(event.total, 1));
      this.bar.update(event.done, { label, message });
    }
  }

  /** Stops the bars; call it before writing the summary to stdout. */
  stop(): void {
    this.finishPhase();
    this.multiBar?.stop();
  }

  private finishPhase(): void {
    if (this.bar) {
      this.bar.update(this.bar.getTotal());
      this.bar = null;
    }
  }
}
