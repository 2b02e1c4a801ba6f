import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { IGNORED_FOLDER_NAMES, hasExtension } from './paths';

/** Bounds of one workspace scan, so that a huge folder cannot stall the server. */
export interface ScanLimits {
  /** Directory entries read before the scan stops. */
  maxEntries: number;
  /** Folder depth below each root. */
  maxDepth: number;
}

// NOTE: a workspace with more entries than this gets a partial list of model
// and data files; the scan logs when it stops early.
export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxEntries: 200_000, maxDepth: 12 };

export interface ScanResult {
  files: string[];
  /** True when the scan stopped at a limit before reading every folder. */
  truncated: boolean;
}

/**
 * Lists the files under `roots` whose extension is one of `extensions`,
 * breadth first, skipping dependency and version-control folders, hidden
 * folders, the folders in `excludedFolders` and symbolic links.
 */
export async function findFiles(
  roots: readonly string[],
  extensions: readonly string[],
  excludedFolders: readonly string[] = [],
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
): Promise<ScanResult> {
  const files: string[] = [];
  const excluded = new Set(excludedFolders.map((folder) => path.resolve(folder)));
  let entriesRead = 0;
  let queue = roots.map((root) => ({ folder: root, depth: 0 }));

  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { folder, depth } of queue) {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch {
        continue; // Unreadable or vanished folder: skip it, like the Explorer does.
      }
      for (const entry of entries) {
        entriesRead++;
        if (entriesRead > limits.maxEntries) {
          files.sort();
          return { files, truncated: true };
        }
        const entryPath = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          const skip = IGNORED_FOLDER_NAMES.has(entry.name) || entry.name.startsWith('.') || excluded.has(entryPath);
          if (!skip && depth + 1 <= limits.maxDepth) {
            next.push({ folder: entryPath, depth: depth + 1 });
          }
        } else if (entry.isFile() && hasExtension(entry.name, extensions)) {
          files.push(entryPath);
        }
      }
    }
    queue = next;
  }

  files.sort();
  return { files, truncated: false };
}
