/* Keeps the dashboard open and live-updating in headless chromium until
 * killed: bench/dashboard_bench.sh measures what that costs the server.
 * usage: node open_page.js URL TOKEN [VIEW] */
'use strict';

const { chromium } = require('playwright-core');

async function main() {
  const [url, token, view] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  await page.goto(`${url}/#token=${token}`);
  if (view) await page.goto(`${url}/#${view}`);
  console.log('open');
  process.on('SIGTERM', async () => { await browser.close(); process.exit(0); });
}

main().catch((e) => { console.error(e); process.exit(1); });
