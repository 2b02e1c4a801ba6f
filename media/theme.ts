/**
 * Chart colours from the VS Code theme. VS Code sets `--vscode-*` CSS variables on
 * the webview's root element and a theme class on `<body>` (`vscode-light`,
 * `vscode-dark`, `vscode-high-contrast`, `vscode-high-contrast-light`); Plotly needs
 * the colours as values, so they are read here and read again when the theme changes.
 */
import type { ChartTheme } from './charts';

function cssVariable(style: CSSStyleDeclaration, names: string[], fallback: string): string {
  for (const name of names) {
    const value = style.getPropertyValue(name).trim();
    if (value !== '') {
      return value;
    }
  }
  return fallback;
}

/** Reads the chart theme from the page's current CSS variables; the fallbacks are for a page outside VS Code. */
export function readChartTheme(): ChartTheme {
  const rootStyle = getComputedStyle(document.documentElement);
  const bodyStyle = getComputedStyle(document.body);
  const fontSize = Number.parseFloat(cssVariable(rootStyle, ['--vscode-font-size'], bodyStyle.fontSize));

  return {
    foreground: cssVariable(rootStyle, ['--vscode-editor-foreground', '--vscode-foreground'], bodyStyle.color || '#333333'),
    background: cssVariable(rootStyle, ['--vscode-editor-background'], '#ffffff'),
    grid: cssVariable(rootStyle, ['--vscode-editorWidget-border', '--vscode-panel-border'], 'rgba(128, 128, 128, 0.35)'),
    fontFamily: cssVariable(rootStyle, ['--vscode-font-family'], bodyStyle.fontFamily || 'sans-serif'),
    fontSize: Number.isFinite(fontSize) ? fontSize : 13,
    primary: cssVariable(rootStyle, ['--vscode-charts-blue'], '#3794ff'),
    secondary: cssVariable(rootStyle, ['--vscode-charts-purple'], '#b180d7'),
    negative: cssVariable(rootStyle, ['--vscode-charts-red'], '#f14c4c'),
    accent: cssVariable(rootStyle, ['--vscode-charts-orange'], '#d18616'),
  };
}

/**
 * Calls `onChange` once per animation frame after the theme class on `<body>` or the
 * variables on the root element change. Returns a function that stops observing.
 */
export function observeThemeChanges(onChange: () => void): () => void {
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) {
      return;
    }
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
