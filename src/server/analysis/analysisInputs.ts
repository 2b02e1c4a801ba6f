import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { readSidecar, sidecarPathFor, type Sidecar } from '../../engine/data/sidecar';
import { fingerprintFile, type FileFingerprint } from '../cache/fingerprint';
import type { AnalysisInputs } from '../cache/reportCache';
import { isInside } from '../paths';
import type { ExtensionSettings } from '../settings';
import { ENGINE_VERSION } from './engineVersion';

/** model.json files larger than this are not read for their weight manifest; real ones have kilobytes to a few megabytes. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export type InputsResolution =
  | { status: 'ready'; inputs: AnalysisInputs; sidecar: Sidecar }
  | { status: 'needsDataset'; reason: string };

/**
 * Files a model is read from: a TensorFlow.js model.json and the weight shards
 * its `weightsManifest` names (relative to its folder), or the Keras file
 * alone. It follows the manifest the way the loader does; shards that would
 * leave the model's folder are left out here because the loader rejects them.
 */
export async function listModelFiles(modelPath: string): Promise<string[]> {
  if (path.extname(modelPath).toLowerCase() !== '.json') {
    return [modelPath];
  }
  let manifest: unknown;
  try {
    const stat = await fs.stat(modelPath);
    if (stat.size > MAX_MANIFEST_BYTES) {
      return [modelPath];
    }
    manifest = (JSON.parse(await fs.readFile(modelPath, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    return [modelPath]; // The loader reports what is wrong with the file.
  }

  const folder = path.dirname(modelPath);
  const shards = new Set<string>();
  for (const group of Array.isArray(manifest) ? manifest : []) {
    const paths = (group as { paths?: unknown }).paths;
    for (const shard of Array.isArray(paths) ? paths : []) {
      if (typeof shard === 'string') {
        const shardPath = path.resolve(folder, shard);
        if (isInside(shardPath, folder)) {
          shards.add(shardPath);
        }
      }
    }
  }
  return [modelPath, ...shards];
}

/**
 * Settings that shape a report, as they enter the cache key. The worker count
 * is left out: it changes how the samples are split, and the result only within
 * float32 rounding.
 */
export function keySettingsOf(settings: ExtensionSettings): Record<string, unknown> {
  const { workers: _workers, ...analysis } = settings.analysis;
  return { analysis, backend: settings.backend, engineVersion: ENGINE_VERSION };
}

/**
 * Reads the model's sidecar and fingerprints every file the analysis will
 * read. Returns `needsDataset` when the sidecar is missing or names no data.
 *
 * @throws InputError when the sidecar is invalid.
 */
export async function resolveInputs(modelPath: string, settings: ExtensionSettings): Promise<InputsResolution> {
  const sidecar = await readSidecar(modelPath);
  if (sidecar === null) {
    return { status: 'needsDataset', reason: `No dataset is linked to ${path.basename(modelPath)}: ${path.basename(sidecarPathFor(modelPath))} does not exist.` };
  }
  if (sidecar.data === undefined) {
    return { status: 'needsDataset', reason: `${path.basename(sidecarPathFor(modelPath))} names no data file.` };
  }

  const modelFiles = await fingerprintAll(await listModelFiles(modelPath));
  const dataFiles = await fingerprintAll([sidecar.data, ...(sidecar.labels === undefined ? [] : [sidecar.labels])]);
  const sidecarFingerprint = await fingerprintFile(sidecarPathFor(modelPath));
  return {
    status: 'ready',
    sidecar,
    inputs: { modelFiles, dataFiles, sidecar: sidecarFingerprint, settings: keySettingsOf(settings) },
  };
}

/** Fingerprints the files that exist; a missing one is left for the loader to report with its fix. */
async function fingerprintAll(files: string[]): Promise<FileFingerprint[]> {
  const fingerprints: FileFingerprint[] = [];
  for (const file of files) {
    try {
      fingerprints.push(await fingerprintFile(file));
    } catch {
      continue;
    }
  }
  return fingerprints;
}
