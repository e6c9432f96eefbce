// Takes a screenshot of a running gateway's explorer (tools layer, Node only): how the
// README's docs/explorer.png is made. Waits for the green verdict and a chart first.
//
//   npm start                     # in one terminal; let it run half a minute
//   npx tsx tools/browser/explorer-screenshot.ts http://127.0.0.1:8080/ docs/explorer.png

import { chromium } from 'playwright-core';

const [url = 'http://127.0.0.1:8080/', out = 'explorer.png'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(30_000);
  await page.goto(url);
  await page.locator('#verdict.ok').waitFor();
  await page.locator('#charts canvas').first().waitFor();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`explorer screenshot: ${out}`);
} finally {
  await browser.close();
}
