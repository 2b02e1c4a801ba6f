/**
 * Types for the parts of jsfive 0.4.2 (a pure JavaScript HDF5 reader, which
 * ships no type declarations) that the Keras loader uses.
 */
declare module 'jsfive' {
  /** An HDF5 dtype as jsfive spells it: `<f4`, `>i8`, `|S12`, or a tuple such as `['VLEN_STRING', 0, 1]`. */
  export type Hdf5Dtype = string | unknown[];

  export class Group {
    /** Names of the group's members (groups, datasets and links). */
    readonly keys: string[];
    /** Attributes of the group, where fixed-length strings keep their NUL padding. */
    readonly attrs: Record<string, unknown>;
    /** Returns the member at `path`, relative to this group or absolute. Throws a string when it is missing. */
    get(path: string): Group | Dataset | null;
  }

  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }

  export class Dataset {
    readonly shape: number[];
    readonly dtype: Hdf5Dtype;
    readonly attrs: Record<string, unknown>;
    /** Every value, row-major, as a plain array. */
    readonly value: unknown;
  }
}
