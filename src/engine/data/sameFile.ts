import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * True when `a` and `b` name the same file: the same resolved path, or the
 * same device and inode, which also covers symbolic links, hard links and
 * linked folders. A path that does not exist matches only by its spelling.
 */
export function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) {
    return true;
  }
  try {
    const first = fs.statSync(a);
    const second = fs.statSync(b);
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}
