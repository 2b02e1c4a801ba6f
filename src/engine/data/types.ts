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
  /** String columns mapped to indices: column name → categories, index = position. */
  categories: Record<string, string[]>;
}

/** Where to find the data and how to read it; paths are absolute or relative to the working directory. */
export interface DataSpec {
  /** Inputs file: .npy, .npz, .csv or .json. */
  path: string;
  /** Labels file (.npy), for a .npy inputs file. */
  labelsPath?: string;
  /** CSV or JSON rows: the column holding the label. */
  labelColumn?: string;
  /** .npz: array names of the inputs and the labels (default `x` and `y`). */
  xKey?: string;
  yKey?: string;
  /** String columns: the categories in index order, overriding first-appearance order. */
  categories?: Record<string, string[]>;
}
