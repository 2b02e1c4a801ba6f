import { isModelFile } from '../engine/models/detectFormat';
import { describeError, type Logger } from './logger';
import { MODEL_FILE_EXTENSIONS, hasExtension, isInSkippedFolder, isInside, isSidecarPath } from './paths';
import { findFiles } from './workspaceScan';

/**
 * The workspace's model files: TensorFlow.js layers models (any .json file the
 * format check accepts) and Keras .h5/.keras files. The client turns the list
 * into the context key that shows the Analyze menu entries.
 */
export class ModelIndex {
  private models = new Set<string>();
  private roots: string[] = [];

  constructor(
    private readonly logger: Logger,
    /** Folders never scanned, such as the extension's own storage. */
    private readonly excludedFolders: string[],
    private readonly onChange: (models: string[]) => void,
  ) {}

  list(): string[] {
    return [...this.models].sort();
  }

  has(filePath: string): boolean {
    return this.models.has(filePath);
  }

  /** Scans the workspace folders from scratch. */
  async scan(roots: string[]): Promise<void> {
    this.roots = roots;
    const started = Date.now();
    const scan = await findFiles(roots, MODEL_FILE_EXTENSIONS, this.excludedFolders);
    const models = new Set<string>();
    for (const file of scan.files) {
      if (await this.checkCandidate(file)) {
        models.add(file);
      }
    }
    this.models = models;
    const truncatedNote = scan.truncated ? ' The scan stopped at its entry limit, so some folders were not read.' : '';
    this.logger.info(`Found ${models.size} model file(s) among ${scan.files.length} candidate(s) in ${Date.now() - started} ms.${truncatedNote}`);
    this.onChange(this.list());
  }

  /** Updates the index after files were created, changed or deleted. */
  async update(created: string[], deleted: string[]): Promise<void> {
    let changed = false;
    for (const file of deleted) {
      changed = this.models.delete(file) || changed;
    }
    for (const file of created) {
      const root = this.roots.find((candidate) => isInside(file, candidate));
      if (root === undefined || isInSkippedFolder(file, root) || !hasExtension(file, MODEL_FILE_EXTENSIONS)) {
        continue;
      }
      const isModel = await this.checkCandidate(file);
      if (isModel !== this.models.has(file)) {
        changed = true;
        if (isModel) {
          this.models.add(file);
        } else {
          this.models.delete(file);
        }
      }
    }
    if (changed) {
      this.onChange(this.list());
    }
  }

  private async checkCandidate(file: string): Promise<boolean> {
    if (isSidecarPath(file) || this.excludedFolders.some((folder) => isInside(file, folder))) {
      return false;
    }
    try {
      return await isModelFile(file);
    } catch (error) {
      this.logger.warn(`Checking whether ${file} is a model failed: ${describeError(error)}`);
      return false;
    }
  }
}
