import { readSidecar, withoutDataFileFields, writeSidecar, type Sidecar } from '../engine/data/sidecar';
import type { AnalyzeOptions } from './options';

/**
 * Saves the options given on the command line into the model's sidecar for
 * the next run, on top of what the sidecar already holds: fields the command
 * line does not give (a loss) are kept. A new --data replaces the fields that
 * belong to the old data file. `usedCategories` are the categories of the
 * text columns as the run numbered them; they are saved too. Returns the
 * sidecar's path.
 */
export async function saveOptionsInSidecar(modelPath: string, options: AnalyzeOptions, usedCategories: Record<string, string[]>): Promise<string> {
  const existing: Sidecar = (await readSidecar(modelPath)) ?? {};
  // A new --data replaces every field of the old data file.
  const merged: Sidecar = options.data === undefined ? { ...existing } : withoutDataFileFields(existing);
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
  // The categories the run used, given or found, so that the next run numbers text columns the same way.
  if (Object.keys(usedCategories).length > 0) {
    merged.categories = usedCategories;
  }
  return writeSidecar(modelPath, merged);
}
