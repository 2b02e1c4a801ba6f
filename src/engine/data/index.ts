/** Data loaders (.npy, .npz, .csv, .json), the model sidecar, and the fitting of data to a model. */
export { type Accuracy, computeAccuracy } from './accuracy';
export { type FitOptions, type FittedDataset, fitDataset } from './fitDataset';
export { loadDataset } from './loadDataset';
export { dataSpecFromSidecar, readSidecar, type Sidecar, sidecarPathFor, writeSidecar } from './sidecar';
export { type DataLimits, type DataSpec, type Dataset, DEFAULT_DATA_LIMITS } from './types';
