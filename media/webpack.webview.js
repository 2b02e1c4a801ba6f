// @ts-check
/**
 * Webpack configuration of the spectrum webview: bundles media/main.ts for the
 * browser into dist/webview.js and copies plotly.js from node_modules to
 * dist/plotly.js, so the webview loads both from the extension's own files.
 *
 * Build it alone with `npx webpack --config media/webpack.webview.js`, or add it
 * to the array that webpack.config.js exports.
 */
const fs = require('node:fs');
const path = require('node:path');
const webpack = require('webpack');

const repositoryRoot = path.resolve(__dirname, '..');

/**
 * plotly.js-dist 4.1.1 ships only the unminified plotly.js (about 10 MB); there
 * is no plotly.min.js in the package.
 */
const plotlySource = require.resolve('plotly.js-dist/plotly.js', { paths: [repositoryRoot] });

/** Adds plotly.js to the output as an asset, and marks it minimized so that Terser leaves it alone. */
class CopyPlotlyPlugin {
  /** @param {import('webpack').Compiler} compiler */
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyPlotlyPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'CopyPlotlyPlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          compilation.fileDependencies.add(plotlySource);
          const source = new webpack.sources.RawSource(fs.readFileSync(plotlySource));
          compilation.emitAsset('plotly.js', source, { minimized: true });
        },
      );
    });
  }
}

/** @type {import('webpack').Configuration} */
module.exports = {
  name: 'webview',
  target: 'web',
  mode: 'none',
  context: repositoryRoot,
  entry: { webview: './media/main.ts' },
  output: {
    path: path.join(repositoryRoot, 'dist'),
    filename: '[name].js',
  },
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: [
          {
            loader: 'ts-loader',
            options: {
              configFile: path.join(__dirname, 'tsconfig.json'),
              onlyCompileBundledFiles: true,
              compilerOptions: { noEmit: false },
            },
          },
        ],
      },
    ],
  },
  // Not an eval-based source map (webpack's development default): the page's CSP forbids eval.
  devtool: 'nosources-source-map',
  performance: { hints: false },
  plugins: [new CopyPlotlyPlugin()],
};
