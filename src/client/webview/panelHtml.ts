/**
 * HTML of the spectrum webview. A pure function with no `vscode` import, so the
 * browser tests render exactly the page that the panel shows.
 *
 * The page carries no report data: the report arrives by message once the script
 * runs, and the script builds the DOM with textContent. Only the URIs and the title
 * are written into the HTML, and they are escaped.
 */

export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview loads the extension's files from. */
  cspSource: string;
  /** Random value, new for every page, that marks the page's own scripts and style element. */
  nonce: string;
  /** Bundled page script (dist/webview.js). */
  scriptUri: string;
  /** plotly.js from the extension's own files. */
  plotlyUri: string;
  /** media/spectrum.css */
  styleUri: string;
  /** Document title; the model's file name is a good one. Escaped here. */
  title?: string;
}

/**
 * Id of the style element that plotly.js-dist 4.1.1 creates at load time for
 * MapLibre's CSS, unless an element with this id exists (the id is a hash of that
 * CSS). The page draws no maps, so it contains an empty element with this id in
 * place of that CSS, and Plotly creates no style element that the CSP would block. Another Plotly
 * version may use another id; the browser tests report the CSP violation then.
 */
export const PLOTLY_MAPLIBRE_STYLE_ID = '9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53';

const NONCE_PATTERN = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/**
 * One source expression of `webview.cspSource`: the keyword 'self', or a scheme,
 * host or URL source without quotes, separators or whitespace. VS Code 1.139
 * (code-server 4.139.1) gives two of them: "'self' https://*.vscode-cdn.net".
 */
const CSP_SOURCE_EXPRESSION = /^(?:'self'|[^\s;,'"]+)$/;

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Builds the content security policy of the page.
 *
 * - Scripts run only with the nonce, so neither inline scripts, event-handler
 *   attributes nor eval run: no 'unsafe-inline' and no 'unsafe-eval'.
 * - Styles come from the extension's files (spectrum.css) and from the one style
 *   element that carries the nonce. Plotly adds its CSS rules to the element with
 *   id `plotly.js-style-global` through `sheet.insertRule`, and CSP does not govern
 *   rules added through the CSS object model, so the page needs no 'unsafe-inline'
 *   for styles either. Plotly's `element.style` assignments are CSSOM as well.
 * - Images only from `blob:`, because Plotly.toImage draws the chart's SVG through a
 *   blob URL into a canvas to make the PNG export.
 * - Everything else (connections, frames, fonts, forms, `<base>`) is blocked; the
 *   page uses the editor's system fonts.
 */
export function buildContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    'img-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function checkOptions(options: PanelHtmlOptions): void {
  if (!NONCE_PATTERN.test(options.nonce)) {
    throw new Error(`Invalid webview nonce "${options.nonce}": expected at least 16 base64 characters.`);
  }
  // The CSP source goes into the policy as it is, so a separator in it would add directives.
  const sources = options.cspSource.split(' ');
  if (options.cspSource.length === 0 || !sources.every((source) => CSP_SOURCE_EXPRESSION.test(source))) {
    throw new Error(`Invalid webview CSP source "${options.cspSource}": expected source expressions separated by single spaces.`);
  }
}

/** Renders the page: a static frame that media/main.ts fills once the report arrives. */
export function renderPanelHtml(options: PanelHtmlOptions): string {
  checkOptions(options);

  const nonce = escapeHtml(options.nonce);
  const policy = escapeHtml(buildContentSecurityPolicy(options.cspSource, options.nonce));
  const title = escapeHtml(options.title ?? 'Hessian spectrum');

  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${policy}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
  <!-- Plotly inserts its CSS rules here (see buildContentSecurityPolicy). -->
  <style id="plotly.js-style-global" nonce="${nonce}"></style>
  <!-- Stands in for Plotly's MapLibre CSS, which this page does not need (see PLOTLY_MAPLIBRE_STYLE_ID). -->
  <style id="${PLOTLY_MAPLIBRE_STYLE_ID}" nonce="${nonce}"></style>
  <title>${title}</title>
</head>
<body>
  <main id="app" aria-busy="true">
    <p class="placeholder">Loading the spectrum view…</p>
  </main>
  <script nonce="${nonce}" src="${escapeHtml(options.plotlyUri)}"></script>
  <script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
