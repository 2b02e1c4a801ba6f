// @ts-check
/**
 * Webpack configuration of the extension: four bundles in dist/.
 *
 * - extension.js: the VS Code client (src/client/extension.ts); `vscode` is
 *   provided by the editor at run time.
 * - server.js, worker.js and productWorker.js: the language server, its
 *   analysis worker thread and the engine's data-parallel product workers, with
 *   the engine and TensorFlow.js inside. The wasm backend's
 *   binaries and the diagnostics page are copied beside them.
 *   @tensorflow/tfjs-node stays outside the bundles: it is an optional native
 *   package, absent from the .vsix, that the engine requires at run time when
 *   it is installed.
 * - webview.js and plotly.js: the spectrum page (media/webpack.webview.js).
 *
 * `webpack --mode production` minifies (what `vsce package` runs through
 * `vscode:prepublish`); `webpack --mode development` builds faster for tests.
 */
const fs = require('node:fs');
const path = require('node:path');
const webpack = require('webpack');

const webviewConfig = require('./media/webpack.webview.js');

const distFolder = path.join(__dirname, 'dist');
const wasmFolder = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

/** Files copied as they are into dist/, by output name. */
const copiedFiles = {
  'diagnostics.md': path.join(__dirname, 'src', 'server', 'diagnostics', 'diagnostics.md'),
  ...Object.fromEntries(
    fs
      .readdirSync(wasmFolder)
      .filter((name) => name.endsWith('.wasm'))
      .map((name) => [name, path.join(wasmFolder, name)]),
  ),
};

/** Emits `copiedFiles` as assets, marked minimized so that Terser leaves them alone. */
class CopyFilesPlugin {
  /** @param {import('webpack').Compiler} compiler */
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyFilesPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyFilesPlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const [name, source] of Object.entries(copiedFiles)) {
          compilation.fileDependencies.add(source);
          compilation.emitAsset(name, new webpack.sources.RawSource(fs.readFileSync(source)), { minimized: true });
        }
      });
    });
  }
}

/**
 * Settings shared by the Node bundles.
 * @param {string} mode
 * @returns {import('webpack').Configuration}
 */
function nodeBundle(mode) {
  return {
    target: 'node20',
    mode: mode === 'production' ? 'production' : 'development',
    context: __dirname,
    output: {
      path: distFolder,
      filename: '[name].js',
      libraryTarget: 'commonjs2',
    },
    // Keep Node's own __dirname, so that worker.js, the wasm binaries and the
    // diagnostics page are found beside the bundle at run time.
    node: { __dirname: false, __filename: false },
    resolve: {
      extensions: ['.ts', '.js', '.json'],
      // Some dependencies export only an `import` condition; webpack bundles ES modules either way.
      conditionNames: ['node', 'require', 'import', 'module', 'default'],
    },
    module: {
      rules: [
        {
          test: /\.ts$/,
          exclude: /node_modules/,
          use: [{ loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { sourceMap: true } } }],
        },
      ],
    },
    externals: {
      vscode: 'commonjs vscode',
      '@tensorflow/tfjs-node': 'commonjs @tensorflow/tfjs-node',
    },
    devtool: mode === 'production' ? 'nosources-source-map' : 'source-map',
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
  };
}

/** @type {(env: unknown, argv: { mode?: string }) => import('webpack').Configuration[]} */
module.exports = (_env, argv) => {
  const mode = argv.mode ?? 'production';
  return [
    { ...nodeBundle(mode), name: 'extension', entry: { extension: './src/client/extension.ts' } },
    {
      ...nodeBundle(mode),
      name: 'server',
      entry: {
        server: './src/server/server.ts',
        worker: './src/server/worker.ts',
        // The engine starts its data-parallel product workers from productWorker.js
        // beside the bundle that runs it (src/engine/parallel/workerScript.ts).
        productWorker: './src/engine/parallel/productWorker.ts',
      },
      plugins: [new CopyFilesPlugin()],
    },
    { ...webviewConfig, mode: mode === 'production' ? 'production' : 'development' },
  ];
};
