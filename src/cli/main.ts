import { Command, CommanderError, Option } from 'commander';

import { analyzeModel, ENGINE_VERSION } from '../engine/analyze';
import { exitCodeFor, InputError } from '../engine/errors';
import { sidecarPathFor } from '../engine/data/sidecar';
import { DEFAULT_SETTINGS, type Report } from '../engine/report';
import { renderHtmlReport } from './htmlReport';
import { assertDistinctReportPaths, checkReportPath, writeReportFile } from './outputFiles';
import { saveOptionsInSidecar } from './saveConfig';
import { integerAtLeast, oneOf, parseCategories, parseLoss, toAnalysisRequest, type AnalyzeOptions } from './options';
import { ProgressBars } from './progressBars';
import { renderSummary } from './summaryTable';

/** Output streams of the CLI; tests pass their own. */
export interface CliStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the
 * exit code: 0 on success, 2 for bad input or usage, 130 when interrupted, 1
 * for an internal fault.
 */
export async function runCli(argv: string[], streams: CliStreams = process): Promise<number> {
  // The listener stays: a write can fail after runCli has returned.
  for (const stream of [streams.stdout, streams.stderr]) {
    if (!stream.listeners('error').includes(ignoreClosedPipe)) {
      stream.on('error', ignoreClosedPipe);
    }
  }
  return runProgram(argv, streams);
}

/**
 * Ignores a write to a reader that went away early (`hessian-spectrum analyze
 * … | head`), which is no error of the analysis. Without this listener the
 * failed write would crash the process with a stack trace.
 */
function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') {
    throw error;
  }
}

async function runProgram(argv: string[], streams: CliStreams): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(streams, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message; help and version exit with 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    streams.stderr.write(`hessian-spectrum: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
  return exitCode;
}

function buildProgram(streams: CliStreams, setExitCode: (code: number) => void): Command {
  const program = new Command('hessian-spectrum')
    .description('Eigenvalues of the loss Hessian of a TensorFlow.js or Keras model on your data.')
    .version(ENGINE_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    });

  const defaults = DEFAULT_SETTINGS;
  program
    .command('analyze')
    .description('Estimate the Hessian spectrum of a model on a dataset and print a summary.')
    .argument('<model>', 'model file: TensorFlow.js model.json (any name), Keras .h5 or .keras')
    .option('--data <file>', 'inputs (.npy) or inputs and labels (.npz, .csv, .json); default: the sidecar <model>.hessian.json')
    .option('--labels <file>', 'labels (.npy) for a .npy inputs file')
    .option('--label-column <name>', 'CSV or JSON column that holds the label')
    .option('--x-key <name>', '.npz array that holds the inputs (default x)')
    .option('--y-key <name>', '.npz array that holds the labels (default y)')
    .option(
      '--categories <column=names>',
      'categories of a text column in index order, for instance sex=F,M,I, or JSON {"sex":["F","M","I"]} (repeatable); default: order of first appearance',
      parseCategories,
    )
    .option('--loss <name>', 'loss when the model records none: categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error, mean_absolute_error', parseLoss)
    .option('--output <index>', 'output to analyse for a model with several outputs (default: the last)', integerAtLeast(0))
    .option('--samples <count>', `samples drawn from the data (default ${defaults.samples})`, integerAtLeast(1))
    .option('--batch-size <count>', `samples per forward and backward pass; bounds memory (default ${defaults.batchSize})`, integerAtLeast(1))
    .option('--top-k <count>', `largest and smallest eigenvalues to report (default ${defaults.topK})`, integerAtLeast(1))
    .option('--lanczos-steps <count>', `maximum Lanczos steps for the extreme eigenvalues (default ${defaults.lanczosSteps})`, integerAtLeast(2))
    .option('--density-runs <count>', `random starts of stochastic Lanczos quadrature (default ${defaults.densityRuns})`, integerAtLeast(1))
    .option('--density-steps <count>', `Lanczos steps per density run (default ${defaults.densitySteps})`, integerAtLeast(2))
    .option('--trace-probes <count>', `Hessian-vector products for the trace estimate (default ${defaults.traceProbes})`, integerAtLeast(3))
    .addOption(
      new Option('--trace-method <method>', 'trace estimator; krylov-hutch++ reuses the Lanczos run as its low-rank part')
        .choices(['krylov-hutch++', 'hutch++', 'hutchinson'])
        .default(defaults.traceMethod),
    )
    .addOption(
      new Option('--method <method>', 'Hessian-vector products: auto verifies exact products against finite differences')
        .choices(['auto', 'exact', 'finite-difference'])
        .default(defaults.method),
    )
    .addOption(
      new Option('--method-eigen <method>', 'algorithm for the extreme eigenvalues; power is the PyHessian baseline')
        .choices(['lanczos', 'power'])
        .default(defaults.eigenMethod),
    )
    .addOption(
      new Option('--basis-precision <precision>', 'storage of the Lanczos vectors; float32 halves the memory (auto: float32 above 1 GiB)')
        .choices(['auto', 'float64', 'float32'])
        .default(defaults.basisPrecision),
    )
    .option('--backend <name>', 'TensorFlow.js backend: node (tfjs-node), wasm or cpu (default: the fastest that loads)', oneOf(['node', 'wasm', 'cpu'] as const))
    .option('--workers <count>', 'worker threads that share the samples, 0 for one per CPU core (default 0)', integerAtLeast(0))
    .option('--seed <integer>', `seed of every random choice (default ${defaults.seed})`, integerAtLeast(0))
    .option('--no-layers', 'skip the per-layer curvature')
    .option('--layer-steps <count>', `Lanczos steps per layer; fewer are faster but may miss a small negative λmin (default ${defaults.layerSteps})`, integerAtLeast(2))
    .option('--slice-points <count>', `points of the loss slice along the top eigenvector, 0 to skip (default ${defaults.slicePoints})`, integerAtLeast(0))
    .option('--json <file>', 'write the full report as JSON')
    .option('--html <file>', 'write a self-contained HTML page with the density plot')
    .option('--save-config', 'save the data and loss options in the sidecar <model>.hessian.json for the next run')
    .option('--quiet', 'print neither progress nor the summary; errors still go to stderr')
    .action(async (modelPath: string, options: AnalyzeOptions) => {
      setExitCode(await analyzeCommand(modelPath, options, streams));
    });

  return program;
}

async function analyzeCommand(modelPath: string, options: AnalyzeOptions, streams: CliStreams): Promise<number> {
  if (options.labels !== undefined && options.data === undefined) {
    throw new InputError(options.labels, 'a labels file was given without an inputs file', 'Pass the inputs with --data.');
  }

  const request = toAnalysisRequest(modelPath, options);

  // Output paths are checked first, so a bad one fails before a long analysis.
  const inputs = [modelPath, sidecarPathFor(modelPath), options.data, options.labels].filter((file): file is string => file !== undefined);
  if (options.json !== undefined) {
    checkReportPath(options.json, 'json', inputs);
  }
  if (options.html !== undefined) {
    checkReportPath(options.html, 'html', inputs);
  }
  if (options.json !== undefined && options.html !== undefined) {
    assertDistinctReportPaths(options.json, options.html);
  }
  const progress = new ProgressBars(streams.stderr, options.quiet === true);
  const abort = new AbortController();
  const interrupt = (): void => abort.abort();
  process.once('SIGINT', interrupt);

  let report: Report;
  try {
    report = await analyzeModel(request, {
      onProgress: (event) => progress.update(event),
      signal: abort.signal,
    });
  } finally {
    progress.stop();
    process.removeListener('SIGINT', interrupt);
  }

  if (options.json !== undefined) {
    writeReportFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (options.html !== undefined) {
    writeReportFile(options.html, renderHtmlReport(report));
  }
  if (options.saveConfig) {
    const sidecar = await saveOptionsInSidecar(modelPath, options);
    if (!options.quiet) {
      streams.stderr.write(`Saved the options in ${sidecar}.\n`);
    }
  }
  if (!options.quiet) {
    streams.stdout.write(renderSummary(report));
  }
  return 0;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return exitCodeFor(error) === 1 ? `internal error: ${error.stack ?? error.message}` : error.message;
  }
  return String(error);
}
