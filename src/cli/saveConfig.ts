import { sameFile } from '../engine/data/sameFile';
import { readSidecar, withoutDataFileFields, writeSidecar, type Sidecar } from '../engine/data/sidecar';
import type { AnalyzeOptions } from './options';

/**
 * Saves the options given on the command line into the model's sidecar for
 * the next run, on top of what the sidecar already holds: fields the command
 * line does not give (a loss) are kept. A --data that names another file
 * replaces the fields that belong to the old data file. Categories given with --categories are added
 * column by column. Returns the sidecar's path.
 */
export async function saveOptionsInSidecar(modelPath: string, options: AnalyzeOptions): Promise<string> {
  const existing: Sidecar = (await readSidecar(modelPath)) ?? {};
  // A --data naming another file replaces every field of the old data file; readSidecar gives its path absolute.
  const otherFile = options.data !== undefined && (existing.data === undefined || !sameFile(options.data, existing.data));
  const merged: Sidecar = otherFile ? withoutDataFileFields(existing) : { ...existing };
  const given: Sidecar = {
    data: options.data,
    labels: options.labels,
    labelColumn: options.labelColumn,
    xKey: options.xKey,
    yKey: options.yKey,
    loss: options.loss,
    samples: options.samples,
    seed: options.seed,
    output: options.output,
  };
  for (const [field, value] of Object.entries(given)) {
    if (value !== undefined) {
      (merged as Record<string, unknown>)[field] = value;
    }
  }
  // Only categories the user gave are saved: an order of first appearance is a guess, which the report's note keeps pointing out.
  if (options.categories !== undefined) {
    merged.categories = Object.fromEntries([...Object.entries(merged.categories ?? {}), ...Object.entries(options.categories)]);
  }
  return writeSidecar(modelPath, merged);
}
