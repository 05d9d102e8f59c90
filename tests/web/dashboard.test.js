/* The dashboard in a real browser: Debian's chromium, headless, driven by
 * playwright-core. Run by tests/cli/test_web.sh, which starts a server on
 * a temporary lab and passes: ACTSIM (the binary), ACTSIM_LAB, URL, TOKEN
 * and OUT (where screenshots go). Prints TAP. */
'use strict';

const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const { ACTSIM, URL, TOKEN, OUT } = process.env;
const HW = path.resolve(__dirname, '../../fixtures/hardware');
let n = 0;
let failed = 0;

function ok(cond, name, detail) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    if (detail !== undefined) console.log(`#   ${String(detail).split('\n').join('\n#   ')}`);
  }
}

function actsim(...args) {
  return execFileSync(ACTSIM, args, { encoding: 'utf8' }).trim();
}

/* Waits for a condition in the page, up to `ms`; true when it held.
 * Polls with page.evaluate: the page's CSP forbids the string evaluation
 * page.waitForFunction relies on. */
async function waitFor(page, fn, arg, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await page.evaluate(fn, arg)) return true;
    } catch (e) {
      if (!/context was destroyed|navigation/i.test(e.message)) throw e;
    }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(method, p, body) {
  const r = await fetch(URL + p, {
    method,
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return r.json();
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name + '.png') });
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  /* The lab's own CA signed the server's certificate. */
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  /* Without a token: the login form only. */
  const resp = await page.goto(URL + '/');
  const csp = resp.headers()['content-security-policy'] || '';
  ok(csp.includes("script-src 'self'") && csp.includes("default-src 'none'"),
    'the page comes with a Content Security Policy', csp);
  const html = await (await fetch(URL + '/')).text();
  ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html) && !/\son\w+=/.test(html),
    'the page has no inline script or handler');
  ok(await page.isVisible('#login-form') && !(await page.isVisible('#machines-view')),
    'without a token the page shows only the login form');

  /* Logging in through the fragment. */
  await page.goto(URL + '/#token=' + TOKEN);
  ok(await waitFor(page, () => !document.querySelector('#machines-view').hidden, null, 5000),
    'the fragment logs in: the machines view shows');
  ok(!(await page.evaluate(() => location.href)).includes(TOKEN),
    'the token leaves the address bar');

  /* A machine made with the CLI appears within about a second. */
  const key = actsim('key', 'gen', '--sku', 'standard', '--channel', 'retail', '--platform', 'x86');
  actsim('machine', 'create', 'srv-web1', '--key', key, '--hw', path.join(HW, 'pe2850.json'));
  const t0 = Date.now();
  const appeared = await waitFor(page,
    () => !!document.querySelector('#machines tr[data-name="srv-web1"]'), null, 3000);
  ok(appeared, 'a machine made by the CLI appears in the table', `after ${Date.now() - t0} ms`);
  ok(Date.now() - t0 < 2500, 'live: at most about a second behind', `${Date.now() - t0} ms`);
  const cells = await page.$$eval('#machines tr[data-name="srv-web1"] td', (tds) => tds.map((t) => t.textContent));
  ok(cells[1] === 'standard' && cells[2] === 'retail' && cells[3].includes('grace') && cells[4] === '30',
    'its row: SKU, channel, state and days left', JSON.stringify(cells));

  const k2 = actsim('key', 'gen', '--sku', 'enterprise', '--channel', 'volume', '--platform', 'x64');
  actsim('machine', 'create', 'srv-web2', '--key', k2, '--hw', path.join(HW, 'dl380.json'));
  const k3 = actsim('key', 'gen', '--sku', 'web', '--channel', 'retail', '--platform', 'x86');
  actsim('machine', 'create', 'srv-web3', '--key', k3, '--hw', path.join(HW, 'dl380.json'));
  actsim('clock', 'advance', '3d');
  actsim('machine', 'activate', 'srv-web3', '--local');
  actsim('clock', 'advance', '4d');
  actsim('machine', 'hw', 'srv-web3', '--replace', 'nic_mac,hdd,scsi,display');
  actsim('clock', 'advance', '1d');
  ok(await waitFor(page, () => document.querySelectorAll('#machines tbody tr').length === 3, null, 3000),
    'three machines listed');
  await page.fill('#filter', 'volume');
  ok(await waitFor(page, () => {
    const rows = document.querySelectorAll('#machines tbody tr');
    return rows.length === 1 && rows[0].dataset.name === 'srv-web2';
  }, null, 3000), 'the filter narrows the table');
  await page.fill('#filter', '');
  await page.selectOption('#state-filter', 'reactivation_grace');
  ok(await waitFor(page, () => {
    const rows = document.querySelectorAll('#machines tbody tr');
    return rows.length === 1 && rows[0].dataset.name === 'srv-web3';
  }, null, 3000), 'the state filter keeps only machines in that state');
  await page.selectOption('#state-filter', '');
  await waitFor(page, () => document.querySelectorAll('#machines tbody tr').length === 3, null, 3000);
  await shot(page, 'machines');

  /* A machine's page: IDs and the timeline. */
  await page.click('#machines a:text("srv-web3")');
  ok(await waitFor(page, () => !!document.querySelector('#timeline svg.timeline'), null, 5000),
    "a machine's page draws its timeline");
  const pid = JSON.parse(actsim('--json', 'machine', 'show', 'srv-web3')).product_id;
  ok(await waitFor(page, (p) => document.querySelector('dd.id-product-id')?.textContent === p, pid, 3000),
    'it shows the product ID the CLI shows', pid);
  const kinds = await page.$$eval('#timeline g.event', (gs) => gs.map((g) => g.getAttribute('class')));
  for (const k of ['installed', 'activated', 'hardware', 'reactivation_deadline', 'reminder'])
    ok(kinds.some((c) => c.includes('event-' + k)), `the timeline shows ${k}`, kinds.join(','));
  ok(await page.$('#timeline g.now') !== null && await page.$('#timeline g.window-reactivation') !== null,
    'the timeline has the now line and the 3-day window');
  ok((await page.$$('#machine-activations tbody tr')).length === 1, 'its activation history');
  await shot(page, 'timeline');

  /* The demo clock runs until srv-web1's grace runs out. */
  await page.click('#nav-clock');
  await page.fill('#run-step', '5d');
  await page.fill('#run-every', '1s');
  await page.click('#run-start');
  ok(await waitFor(page, () => document.querySelector('#run-state').textContent.includes('demo'), null, 3000),
    'the demo clock runs');
  await shot(page, 'clock');
  await page.click('#nav-machines');
  const expired = await waitFor(page,
    () => document.querySelector('#machines tr[data-name="srv-web1"] [data-state]')?.dataset.state === 'grace_expired',
    null, 15000);
  ok(expired, 'the demo clock runs a grace period out: the state turns to expired');
  let logon;
  try { actsim('machine', 'logon', 'srv-web1'); logon = 0; } catch (e) { logon = e.status; }
  ok(logon === 1, 'and logon is blocked (exit 1)', logon);
  await page.click('#nav-clock');
  await page.click('#run-stop');
  ok(await waitFor(page, () => document.querySelector('#run-state').textContent === '', null, 3000),
    'the demo clock stops');
  const c1 = (await api('GET', '/v1/admin/clock')).now;
  await new Promise((r) => setTimeout(r, 1500));
  const c2 = (await api('GET', '/v1/admin/clock')).now;
  ok(c1 === c2, 'and stays stopped', `${c1} ${c2}`);

  /* Faults: set and clear through the page. */
  await page.click('#nav-clearinghouse');
  await page.fill('#fault-route', '/v1/keys/validate');
  await page.selectOption('#fault-kind', 'error');
  await page.fill('#fault-status', '502');
  await page.click('#fault-form button[type=submit]');
  ok(await waitFor(page, () => [...document.querySelectorAll('#faults tbody tr')]
    .some((tr) => tr.textContent.includes('/v1/keys/validate')), null, 3000), 'a fault set in the page is listed');
  const f1 = await api('GET', '/v1/admin/faults');
  ok(f1.faults.length === 1 && f1.faults[0].status === 502, 'and the server has it', JSON.stringify(f1));
  await page.click('#faults-clear');
  ok(await waitFor(page, () => document.querySelectorAll('#faults tbody tr').length === 0, null, 3000),
    'clearing the faults empties the list');
  ok((await api('GET', '/v1/admin/faults')).faults.length === 0, 'and the server has none');

  /* A hostile block reason stays text. */
  const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  await page.fill('#block-key', key);
  await page.fill('#block-reason', hostile);
  await page.click('#block-form button[type=submit]');
  ok(await waitFor(page, (r) => [...document.querySelectorAll('#blocks tbody td')]
    .some((td) => td.textContent === r), hostile, 3000), 'a hostile block reason shows as text');
  await new Promise((r) => setTimeout(r, 1200));
  ok(await page.evaluate(() => document.querySelectorAll('img, main script, #blocks script').length) === 0,
    'no element was injected');
  ok(dialogs.length === 0, 'no script ran', dialogs.join(','));
  await shot(page, 'clearinghouse');
  await page.click(`#blocks tr[data-key="${key}"] button`);
  ok(await waitFor(page, () => document.querySelectorAll('#blocks tbody tr').length === 0, null, 3000),
    'unblocking through the page');

  /* Large type for projectors. */
  const small = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  await page.click('#large-type');
  const large = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  ok(large >= small * 1.4, 'large type makes the text larger', `${small} -> ${large}`);
  await page.click('#nav-machines');
  await shot(page, 'machines-large');

  /* Logging in through the form, in a fresh tab. */
  const page2 = await context.newPage();
  await page2.goto(URL + '/');
  await page2.fill('#token', '0'.repeat(64));
  await page2.click('#login-form button');
  ok(await waitFor(page2, () => document.querySelector('#login-error').textContent.length > 0, null, 3000),
    'a wrong token is refused with a message');
  await page2.fill('#token', TOKEN);
  await page2.click('#login-form button');
  ok(await waitFor(page2, () => !document.querySelector('#machines-view').hidden &&
    document.querySelectorAll('#machines tbody tr').length === 3, null, 5000),
    'the login form logs in');
  await page2.click('#logout');
  ok(await page2.isVisible('#login-form'), 'logging out shows the login form again');

  ok(errors.length === 0, 'no errors in the page console', errors.join('\n'));
  await browser.close();
}

main().then(() => {
  console.log(`1..${n}`);
  console.log(`${n - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}, (e) => {
  console.log(`not ok ${n + 1} - the browser test ran to the end`);
  console.log('#   ' + String(e.stack || e).split('\n').join('\n#   '));
  console.log(`1..${n + 1}`);
  console.log(`${n - failed} passed, ${failed + 1} failed`);
  process.exit(1);
});
