import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

import { renderHtmlReport } from '../../src/cli/htmlReport';
import type { Report } from '../../src/engine/report';
import { REPO_ROOT } from '../realFiles';
import { CHROMIUM_PATH, launchChromium } from '../webview/browserHarness';

/**
 * The CLI's self-contained HTML report, opened from disk in headless
 * Chromium: the density plot draws, the page raises no content security
 * policy violation, and names from the model stay text.
 */
describe('HTML report', function () {
  let browser: Browser;
  let folder: string;
  let file: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM_PATH)) {
      console.log(`      skipped: Chromium not found at ${CHROMIUM_PATH}; install it with apt-get install -y chromium`);
      this.skip();
    }
    const report = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'report-lenet.json'), 'utf8')) as Report;
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-html-'));
    file = path.join(folder, 'report.html');
    fs.writeFileSync(file, renderHtmlReport(report));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (folder) {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('draws the density without CSP violations', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') {
        violations.push(message.text());
      }
    });
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    // A string, because this project's TypeScript settings have no DOM types.
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective));",
    );
    await page.goto(`file://${file}`);
    await page.waitForSelector('#density .scatterlayer path.js-line');

    const points = await page.$eval('#density .scatterlayer path.js-line', (line) => (line.getAttribute('d') ?? '').split('L').length);
    // Plotly simplifies straight runs of the path, so it has fewer vertices than grid points.
    assert.ok(points > 10, `the density line has ${points} vertices`);
    assert.equal(await page.locator('img').count(), 0, 'a hostile layer name created no image');
    const cells = await page.$$eval('td', (elements) => elements.map((element) => element.textContent ?? ''));
    assert.ok(cells.includes('<img src=x onerror=alert(1)>'), 'the hostile layer name is shown as text');
    assert.deepEqual(violations, []);
    assert.deepEqual(dialogs, []);
    await page.close();
  });
});
