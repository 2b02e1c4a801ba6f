/**
 * Plotly figures of the spectrum view: the eigenvalue density, the per-layer bars
 * and the loss slice. The builders are pure functions from report fields, view
 * options and theme colours to Plotly `data` and `layout`; main.ts draws them.
 */
import type { Annotation, Data, Layout, LayoutAxis, Shape } from 'plotly.js-dist';
import type { DensitySummary, EigenvalueSummary, LayerCurvature, LossSlice } from '../src/engine/report';
import { formatPercent } from './format';

/** Colours and font of the charts, read from the VS Code theme (theme.ts). */
export interface ChartTheme {
  foreground: string;
  /** Chart background, also used for PNG exports so that text stays readable outside the editor. */
  background: string;
  grid: string;
  fontFamily: string;
  /** Font size in pixels. */
  fontSize: number;
  primary: string;
  secondary: string;
  negative: string;
  accent: string;
}

export type DensityScale = 'linear' | 'log';
export type EigenvalueAxis = 'linear' | 'symlog';

export interface DensityOptions {
  densityScale: DensityScale;
  eigenvalueAxis: EigenvalueAxis;
}

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

/** Decades of density shown below the peak on the log scale; smaller values are drawn at the bottom edge. */
export const LOG_DENSITY_DECADES = 8;

/**
 * Escapes text for Plotly labels. Plotly reads a subset of HTML in its strings
 * (`<b>`, `<br>`, `<a href>`…) and decodes entities, so `<` becomes `&lt;` here
 * and Plotly then shows the original text.
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Symmetric logarithm sign(λ)·log10(1 + |λ|/threshold): linear within about
 * ±threshold, logarithmic beyond, and defined at zero and for negative λ.
 */
export function symlog(value: number, threshold: number): number {
  return Math.sign(value) * Math.log10(1 + Math.abs(value) / threshold);
}

/**
 * Chooses the linear range of the symmetric-log axis: the density's kernel width,
 * below which the smoothed density cannot resolve eigenvalues anyway, but at least
 * 1e-4 of the largest |λ|.
 */
export function symlogThreshold(maxAbsEigenvalue: number, sigma: number): number {
  const floor = maxAbsEigenvalue > 0 ? maxAbsEigenvalue * 1e-4 : 1;
  return Number.isFinite(sigma) && sigma > floor ? sigma : floor;
}

/** Ticks of a symmetric-log axis at 0 and ±powers of ten, as positions on the transformed axis and labels in λ. */
export function symlogTicks(minValue: number, maxValue: number, threshold: number): { tickvals: number[]; ticktext: string[] } {
  const lowestPower = Math.ceil(Math.log10(threshold));
  const ticks: number[] = [0];
  for (const [sign, extent] of [[1, maxValue], [-1, -minValue]] as const) {
    if (extent <= 0) {
      continue;
    }
    const highestPower = Math.floor(Math.log10(extent));
    const powers: number[] = [];
    for (let power = lowestPower; power <= highestPower; power++) {
      powers.push(power);
    }
    const step = powers.length > 6 ? Math.ceil(powers.length / 6) : 1;
    for (let index = powers.length - 1; index >= 0; index -= step) {
      ticks.push(sign * 10 ** powers[index]);
    }
  }
  ticks.sort((a, b) => a - b);
  return {
    tickvals: ticks.map((tick) => symlog(tick, threshold)),
    // Written as Plotly writes its own tick labels, with the minus sign U+2212.
    ticktext: ticks.map((tick) => (tick === 0 ? '0' : `${tick < 0 ? '−' : ''}1e${Math.round(Math.log10(Math.abs(tick))).toString().replace('-', '−')}`)),
  };
}

function baseLayout(theme: ChartTheme): Partial<Layout> {
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { family: theme.fontFamily, size: theme.fontSize, color: theme.foreground },
    margin: { l: 64, r: 24, t: 36, b: 56 },
    hoverlabel: { font: { family: theme.fontFamily } },
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    autosize: true,
  };
}

function axis(theme: ChartTheme, title: string): Partial<LayoutAxis> {
  return {
    title: { text: title },
    gridcolor: theme.grid,
    zerolinecolor: theme.grid,
    linecolor: theme.grid,
    tickcolor: theme.grid,
    automargin: true,
  };
}

/**
 * Builds the density chart: the smoothed spectral density on its grid, the top and
 * bottom Lanczos eigenvalues as ticks along the axis, and the region λ < 0 shaded.
 */
export function buildDensityFigure(
  density: DensitySummary,
  eigenvalues: EigenvalueSummary | undefined,
  options: DensityOptions,
  theme: ChartTheme,
): Figure {
  const extremes = eigenvalues ? [...eigenvalues.top, ...eigenvalues.bottom] : [];
  const allEigenvalues = [...density.grid, ...extremes];
  const minEigenvalue = Math.min(...allEigenvalues);
  const maxEigenvalue = Math.max(...allEigenvalues);
  const maxAbs = Math.max(Math.abs(minEigenvalue), Math.abs(maxEigenvalue));

  const threshold = symlogThreshold(maxAbs, density.sigma);
  const toAxis = options.eigenvalueAxis === 'symlog' ? (value: number) => symlog(value, threshold) : (value: number) => value;

  const peak = Math.max(...density.values.filter((value) => Number.isFinite(value)), 0);
  const logFloor = peak > 0 ? peak * 10 ** -LOG_DENSITY_DECADES : 1e-300;
  const shownValues =
    options.densityScale === 'log' ? density.values.map((value) => Math.max(value, logFloor)) : density.values;

  const densityTrace: Data = {
    type: 'scatter',
    mode: 'lines',
    name: 'density',
    x: density.grid.map(toAxis),
    y: shownValues,
    customdata: density.grid.map((eigenvalue, index) => [eigenvalue, density.values[index]]),
    hovertemplate: 'λ = %{customdata[0]:.4g}<br>density %{customdata[1]:.3g}<extra></extra>',
    line: { color: theme.primary, width: 2, simplify: false },
    fill: options.densityScale === 'linear' ? 'tozeroy' : 'none',
    fillcolor: 'rgba(128,128,128,0.12)',
  };
  const data: Data[] = [densityTrace];

  if (eigenvalues && extremes.length > 0) {
    const labels = [
      ...eigenvalues.top.map((_, index) => `top ${index + 1}`),
      ...eigenvalues.bottom.map((_, index) => `bottom ${index + 1}`),
    ];
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: 'top and bottom eigenvalues',
      x: extremes.map(toAxis),
      y: extremes.map(() => 0.04),
      yaxis: 'y2',
      customdata: extremes.map((value, index) => [labels[index], value]),
      hovertemplate: '%{customdata[0]}: λ = %{customdata[1]:.5g}<extra></extra>',
      marker: { symbol: 'line-ns-open', size: 16, line: { width: 2, color: theme.accent }, color: theme.accent },
    });
  }

  const shapes: Partial<Shape>[] = [];
  const annotations: Partial<Annotation>[] = [];
  if (minEigenvalue < 0) {
    shapes.push({
      type: 'rect',
      xref: 'x',
      yref: 'paper',
      x0: toAxis(minEigenvalue),
      x1: 0,
      y0: 0,
      y1: 1,
      fillcolor: theme.negative,
      opacity: 0.15,
      line: { width: 0 },
      layer: 'below',
    });
    // Above the plot area, so that the label does not cover the peak of the bulk near 0.
    annotations.push({
      xref: 'x',
      yref: 'paper',
      x: 0,
      y: 1.02,
      xanchor: 'left',
      yanchor: 'bottom',
      showarrow: false,
      text: `◀ λ < 0 shaded; negative mass ${formatPercent(density.negativeMass)}`,
      font: { color: theme.negative },
    });
  }

  const xaxis = axis(theme, options.eigenvalueAxis === 'symlog' ? `eigenvalue λ (symmetric log, linear within ±${threshold.toPrecision(2)})` : 'eigenvalue λ');
  if (options.eigenvalueAxis === 'symlog') {
    Object.assign(xaxis, symlogTicks(minEigenvalue, maxEigenvalue, threshold), { tickmode: 'array' });
  }

  const yaxis = axis(theme, 'density (per unit λ)');
  yaxis.type = options.densityScale;
  if (options.densityScale === 'log') {
    // Plotly's default SI prefixes (µ, n) would suggest units; the density has none beyond 1/λ.
    yaxis.exponentformat = 'e';
    if (peak > 0) {
      yaxis.range = [Math.log10(logFloor), Math.log10(peak) + 0.3];
    }
  }

  return {
    data,
    layout: {
      ...baseLayout(theme),
      xaxis,
      yaxis,
      yaxis2: { overlaying: 'y', range: [0, 1], visible: false, fixedrange: true },
      shapes,
      annotations,
      height: 380,
    },
  };
}

/** Makes display labels unique, so two layers with one name still get two bars. */
export function uniqueLabels(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}

/** Builds the per-layer chart: λmax and trace (± standard error) of each layer's block, side by side. */
export function buildLayersFigure(layers: LayerCurvature[], theme: ChartTheme): Figure {
  const categories = uniqueLabels(layers.map((layer) => layer.name)).map(plotlyText);

  const lambdaMaxBars: Data = {
    type: 'bar',
    orientation: 'h',
    name: 'λmax',
    y: categories,
    x: layers.map((layer) => layer.lambdaMax),
    xaxis: 'x',
    yaxis: 'y',
    marker: { color: theme.primary },
    hovertemplate: '%{y}<br>λmax %{x:.4g}<extra></extra>',
  };
  const traceBars: Data = {
    type: 'bar',
    orientation: 'h',
    name: 'trace',
    y: categories,
    x: layers.map((layer) => layer.trace),
    error_x: {
      type: 'data',
      array: layers.map((layer) => layer.traceStandardError ?? 0),
      visible: true,
      color: theme.foreground,
    },
    xaxis: 'x2',
    yaxis: 'y2',
    marker: { color: theme.secondary },
    hovertemplate: '%{y}<br>trace %{x:.4g} ± %{error_x.array:.2g}<extra></extra>',
  };

  const categoryAxis: Partial<LayoutAxis> = {
    type: 'category',
    autorange: 'reversed',
    automargin: true,
    gridcolor: theme.grid,
    linecolor: theme.grid,
  };

  return {
    data: [lambdaMaxBars, traceBars],
    layout: {
      ...baseLayout(theme),
      showlegend: false,
      xaxis: { ...axis(theme, 'λmax of the layer block'), domain: [0, 0.47] },
      xaxis2: { ...axis(theme, 'trace of the layer block (± standard error)'), domain: [0.53, 1], anchor: 'y2' },
      yaxis: categoryAxis,
      yaxis2: { ...categoryAxis, anchor: 'x2', matches: 'y', showticklabels: false },
      margin: { l: 24, r: 24, t: 16, b: 56 },
      height: Math.max(220, 96 + 34 * layers.length),
    },
  };
}

/** Loss at α = 0: the slice's own point there, else the report's loss. */
function lossAtOrigin(slice: LossSlice, reportLoss: number | undefined): number | null {
  const originIndex = slice.alphas.findIndex((alpha) => alpha === 0);
  if (originIndex >= 0) {
    return slice.losses[originIndex];
  }
  return reportLoss ?? null;
}

/**
 * Builds the loss slice L(θ + α·u) along the top eigenvector u, with the quadratic
 * model L(θ) + ½·λ·α² for comparison. The y range follows the measured losses, so
 * a steep quadratic does not flatten them.
 */
export function buildSliceFigure(slice: LossSlice, reportLoss: number | undefined, theme: ChartTheme): Figure {
  const data: Data[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'loss L(θ + α·u)',
      x: slice.alphas,
      y: slice.losses,
      line: { color: theme.primary, width: 2 },
      marker: { size: 4 },
      hovertemplate: 'α = %{x:.3g}<br>loss %{y:.5g}<extra></extra>',
    },
  ];

  const origin = lossAtOrigin(slice, reportLoss);
  const finiteLosses = slice.losses.filter((loss) => Number.isFinite(loss));
  const layout: Partial<Layout> = {
    ...baseLayout(theme),
    xaxis: axis(theme, 'step α along the top eigenvector (parameter units)'),
    yaxis: axis(theme, 'loss'),
    height: 340,
  };

  if (origin !== null) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `quadratic model, λ = ${slice.eigenvalue.toPrecision(4)}`,
      x: slice.alphas,
      y: slice.alphas.map((alpha) => origin + 0.5 * slice.eigenvalue * alpha * alpha),
      line: { color: theme.accent, width: 1.5, dash: 'dash' },
      hovertemplate: 'α = %{x:.3g}<br>quadratic %{y:.5g}<extra></extra>',
    });
    if (finiteLosses.length > 0) {
      const low = Math.min(...finiteLosses, origin);
      const high = Math.max(...finiteLosses, origin);
      const padding = (high - low) * 0.08 || Math.abs(high) * 0.05 || 1;
      (layout.yaxis as Partial<LayoutAxis>).range = [low - padding, high + padding];
    }
  }

  return { data, layout };
}
