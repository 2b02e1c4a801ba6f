/** A dataset as read from disk, before it is fitted to a model. */
export interface Dataset {
  /** File the inputs came from (or the single file holding inputs and labels). */
  inputsPath: string;
  /** Separate labels file, when there is one. */
  labelsPath: string | null;
  /** Inputs, row-major, shape `xShape` = [samples, ...features]. */
  x: Float32Array;
  xShape: number[];
  /** Labels, row-major, shape `yShape`: [samples] class indices or values, or [samples, k]. */
  y: Float32Array;
  yShape: number[];
  /** CSV and JSON rows: names of the feature columns, in input order. */
  featureNames: string[] | null;
  /**
   * String columns mapped to indices: column name → categories, index = position.
   * A string label column is included, under its own name.
   */
  categories: Record<string, string[]>;
  /** CSV and JSON rows: name of the label column (for array rows, its index as a string). */
  labelColumn: string | null;
  /** Class names when the labels were strings; `y` contains indices into this list. */
  classNames: string[] | null;
}

/** Parser result for one file: a Dataset without its paths. */
export type DatasetContent = Omit<Dataset, 'inputsPath' | 'labelsPath'>;

/** Location of the data and the options for reading it. Paths are absolute or relative to the working directory. */
export interface DataSpec {
  /** Inputs file: .npy, .npz, .csv or .json. */
  path: string;
  /** Labels file (.npy), for a .npy inputs file. */
  labelsPath?: string;
  /**
   * CSV or JSON rows: the column holding the label. For JSON rows that are arrays
   * it is a column index (`"4"`, or `"-1"` for the last).
   */
  labelColumn?: string;
  /** .npz and JSON `{x, y}` objects: names of the inputs and the labels arrays (default `x` and `y`). */
  xKey?: string;
  yKey?: string;
  /** String columns: the categories in index order, overriding first-appearance order. */
  categories?: Record<string, string[]>;
}

/** Limits that protect the data loaders from files too large or too hostile to read. */
export interface DataLimits {
  /** Largest data file accepted, in bytes; larger files are rejected before they are read. */
  maxFileBytes: number;
  /** Largest uncompressed size of one .npz entry, in bytes, declared or actual. */
  maxUncompressedBytes: number;
}

/**
 * Default limits: 2 GiB − 1 byte for a file and for one uncompressed .npz entry.
 * That is the most that Node's `fs.readFile` reads into one buffer (Node 20), so
 * a larger file could not be read in one piece anyway.
 */
export const DEFAULT_DATA_LIMITS: DataLimits = {
  maxFileBytes: 2 ** 31 - 1,
  maxUncompressedBytes: 2 ** 31 - 1,
};
