import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';

/** Identity of a file's content at the time an analysis read it. */
export interface FileFingerprint {
  path: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch, as `fs.stat` gives it. */
  mtimeMs: number;
  /** SHA-256 of the content, hexadecimal. */
  sha256: string;
}

/** Hashes a file without reading it into memory at once. */
export async function hashFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export async function fingerprintFile(filePath: string): Promise<FileFingerprint> {
  const stat = await fs.stat(filePath);
  const sha256 = await hashFile(filePath);
  return { path: filePath, size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
}

/**
 * Whether the file still has the fingerprinted content. Size and modification
 * time decide when both match; otherwise the content is hashed again, so a
 * touched but unchanged file is not reported as changed. A missing file has
 * changed.
 */
export async function isUnchanged(fingerprint: FileFingerprint): Promise<boolean> {
  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(fingerprint.path);
  } catch {
    return false;
  }
  if (stat.size !== fingerprint.size) {
    return false;
  }
  if (stat.mtimeMs === fingerprint.mtimeMs) {
    return true;
  }
  try {
    return (await hashFile(fingerprint.path)) === fingerprint.sha256;
  } catch {
    return false;
  }
}

/** Hash of a JSON-serialisable value, hexadecimal SHA-256 of its JSON text. */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
