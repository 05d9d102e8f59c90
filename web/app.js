/* The actsim dashboard: plain DOM, no framework, nothing from outside.
 * Every value from the lab goes into the page as text (textContent),
 * never as markup. The admin token lives in this tab's sessionStorage
 * and travels only as the bearer header. */
'use strict';

const POLL_MS = 1000;
const store = window.sessionStorage;
let timer = null;
let view = '';

function $(id) { return document.getElementById(id); }

function token() { return store.getItem('actsim-token') || ''; }

/* The fragment #token=... logs in; it never reaches the server. */
function takeFragmentToken() {
  const m = /(?:^#|&)token=([0-9a-fA-F]{64})(?:&|$)/.exec(location.hash);
  if (m) {
    store.setItem('actsim-token', m[1]);
    history.replaceState(null, '', location.pathname + '#machines');
  }
}

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body, as) {
  const headers = { Authorization: 'Bearer ' + token() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method, headers, cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401) {
    store.removeItem('actsim-token');
    showLogin('The token was refused: log in again.');
    throw new HttpError(401, 'UNAUTHORIZED', 'not logged in');
  }
  if (as === 'text' && r.ok) return r.text();
  const doc = await r.json().catch(() => null);
  if (!r.ok) {
    const e = doc && doc.error ? doc.error : {};
    throw new HttpError(r.status, e.code || 'HTTP_' + r.status,
      e.message || 'the server answered ' + r.status);
  }
  return doc;
}

/* An element with text content: the only way lab values reach the page. */
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? '' : String(c);
    tr.appendChild(td);
  }
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

const STATES = {
  grace: ['\u25D4', 'grace'],
  grace_expired: ['\u26D4', 'grace expired'],
  activated: ['\u2714', 'activated'],
  reactivation_grace: ['\u26A0', 'reactivation grace'],
  reactivation_expired: ['\u26D4', 'reactivation expired'],
  exempt: ['\u2218', 'exempt'],
  evaluation_expired: ['\u26D4', 'evaluation expired'],
};

/* The state as a symbol and words: colour only repeats what they say. */
function stateBadge(s) {
  const [sym, words] = STATES[s] || ['?', s];
  const span = el('span', null, 'state state-' + s);
  span.appendChild(el('span', sym, 'sym'));
  span.appendChild(document.createTextNode(' ' + words));
  span.dataset.state = s;
  return span;
}

function votes(m) {
  return m.votes_matching === null ? '\u2014' :
    m.votes_matching + ' of ' + m.votes_total + ' (' + m.votes_needed + ' needed)';
}

function day(t) { return t ? t.slice(0, 10) : ''; }

function setClock(now, run) {
  $('now').textContent = now;
  $('clock-big').textContent = now;
  $('run-state').textContent = run ?
    '\u25B6 demo: +' + duration(run.step_seconds) + ' every ' + duration(run.every_ms / 1000) : '';
}

function duration(s) {
  const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  for (const [u, n] of units) if (s >= n && s % n === 0) return s / n + u;
  return s + 's';
}

/* ---- views ---- */

function showOnly(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  for (const a of document.querySelectorAll('nav a'))
    a.setAttribute('aria-current', a.id === 'nav-' + id.replace('-view', '') ? 'page' : 'false');
}

function showLogin(message) {
  stop();
  $('top').hidden = true;
  showOnly('login-view');
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function refreshMachines() {
  const doc = await api('GET', '/v1/admin/machines');
  setClock(doc.now, doc.clock_run);
  const text = $('filter').value.trim().toLowerCase();
  const state = $('state-filter').value;
  const shown = doc.machines.filter((m) =>
    (!state || m.license_status === state) &&
    (!text || [m.name, m.sku, m.channel, m.platform, m.license_status]
      .some((v) => String(v).toLowerCase().includes(text))));
  fill($('machines').tBodies[0], shown.map((m) => {
    const a = el('a', m.name);
    a.href = '#machine/' + encodeURIComponent(m.name);
    const tr = row([a, m.sku, m.channel, stateBadge(m.license_status),
      m.days_left === null ? '\u2014' : m.days_left, day(m.activated_at),
      votes(m)]);
    tr.dataset.name = m.name;
    return tr;
  }));
  $('machine-count').textContent = shown.length + ' of ' + doc.machines.length;
  $('no-machines').hidden = doc.machines.length > 0;
}

async function refreshMachine(name) {
  const path = encodeURIComponent(name);
  const [doc, svg] = await Promise.all([
    api('GET', '/v1/admin/machines/' + path),
    api('GET', '/v1/admin/timelines/' + path, undefined, 'text'),
  ]);
  const m = doc.machine;
  setClock(doc.timeline.now, null);
  $('machine-name').textContent = m.name;
  const dl = $('machine-details');
  const fields = [
    ['State', stateBadge(m.license_status)],
    ['Days left', m.days_left === null ? '\u2014' : m.days_left],
    ['Deadline', m.deadline || '\u2014'],
    ['Edition', m.sku + ' ' + m.platform + (m.r2 ? ' R2' : '') + ', ' + m.channel],
    ['Product ID', m.product_id],
    ['Installation ID', m.installation_id],
    ['Confirmation ID', m.confirmation_id || '\u2014'],
    ['Activated', m.activated_at ? m.activated_at + ' (' + m.activation_kind + ')' : 'no'],
    ['Hardware votes', votes(m)],
    ['Installed', m.installed_at],
  ];
  dl.replaceChildren();
  for (const [k, v] of fields) {
    dl.appendChild(el('dt', k));
    const dd = el('dd', v instanceof Node ? null : v, 'id-' + k.toLowerCase().replace(/ /g, '-'));
    if (v instanceof Node) dd.appendChild(v);
    dl.appendChild(dd);
  }
  /* The server drew the SVG with every text escaped; parse it as XML and
   * adopt only an <svg> root, which carries no script. */
  const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = parsed.documentElement;
  if (root.nodeName === 'svg' && !parsed.getElementsByTagName('parsererror').length)
    $('timeline').replaceChildren(document.importNode(root, true));
  fill($('machine-activations').tBodies[0], doc.activations.map((a) =>
    row([a.at, a.kind, a.installation_id, a.confirmation_id])));
}

async function refreshClock() {
  const doc = await api('GET', '/v1/admin/clock');
  setClock(doc.now, doc.clock_run);
}

async function refreshClearinghouse() {
  const [counts, blocks, faults, reqs, clock] = await Promise.all([
    api('GET', '/v1/admin/activations/counts'),
    api('GET', '/v1/admin/blocks'),
    api('GET', '/v1/admin/faults'),
    api('GET', '/v1/admin/requests?limit=50'),
    api('GET', '/v1/admin/clock'),
  ]);
  setClock(clock.now, clock.clock_run);
  fill($('counts').tBodies[0], counts.counts.map((c) => row([c.channel, c.result, c.count])));
  fill($('blocks').tBodies[0], blocks.blocks.map((b) => {
    const button = el('button', 'Unblock');
    button.type = 'button';
    button.addEventListener('click', () => act('clearinghouse-error',
      () => api('DELETE', '/v1/admin/blocks/' + encodeURIComponent(b.product_key))));
    const tr = row([b.product_key, b.reason, b.at, button]);
    tr.dataset.key = b.product_key;
    return tr;
  }));
  fill($('faults').tBodies[0], faults.faults.map((f) =>
    row([f.route, f.kind, f.probability, f.status, f.latency_ms])));
  fill($('requests').tBodies[0], reqs.requests.slice().reverse().map((r) =>
    row([r.at, r.method, r.route, r.status, r.latency_ms,
      r.fault || r.fault_kind || ''])));
}

/* Runs an action, shows its error where the view shows errors, and
 * refreshes at once so the change is seen. */
async function act(errorId, fn) {
  $(errorId).textContent = '';
  try {
    await fn();
  } catch (e) {
    if (e.status !== 401) $(errorId).textContent = e.message;
  }
  tick();
}

function route() {
  const h = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (h.startsWith('machine/')) return ['machine', h.slice(8)];
  if (h === 'clock' || h === 'clearinghouse') return [h, null];
  return ['machines', null];
}

async function tick() {
  if (!token()) return;
  const [name, arg] = route();
  const errorId = name + '-error';
  try {
    if (name === 'machines') await refreshMachines();
    else if (name === 'machine') await refreshMachine(arg);
    else if (name === 'clock') await refreshClock();
    else await refreshClearinghouse();
    if ($(errorId)) $(errorId).textContent = '';
  } catch (e) {
    if (e.status !== 401 && $(errorId)) $(errorId).textContent = e.message;
  }
}

function stop() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

/* Polls once a second, never two requests of the same view at once. */
async function loop() {
  stop();
  await tick();
  if (token()) timer = setTimeout(loop, POLL_MS);
}

function show() {
  if (!token()) { showLogin(); return; }
  $('top').hidden = false;
  const [name] = route();
  view = name;
  showOnly(name + '-view');
  loop();
}

function setLarge(on) {
  document.body.classList.toggle('large', on);
  $('large-type').setAttribute('aria-pressed', on ? 'true' : 'false');
  store.setItem('actsim-large', on ? '1' : '');
}

function init() {
  takeFragmentToken();
  setLarge(store.getItem('actsim-large') === '1');
  $('large-type').addEventListener('click', () =>
    setLarge(!document.body.classList.contains('large')));
  $('logout').addEventListener('click', () => {
    store.removeItem('actsim-token');
    showLogin();
  });
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = $('token').value.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(t)) {
      $('login-error').textContent = 'An admin token is 64 hexadecimal digits.';
      return;
    }
    store.setItem('actsim-token', t);
    $('token').value = '';
    try {
      await api('GET', '/v1/admin/clock');
    } catch (e) {
      return;
    }
    if (!location.hash.startsWith('#machine')) location.hash = '#machines';
    show();
  });
  $('filter').addEventListener('input', tick);
  $('state-filter').addEventListener('change', tick);
  $('advance-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('clock-error', () => api('PUT', '/v1/admin/clock', { advance: $('advance-step').value }));
  });
  $('run-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('clock-error', () => api('PUT', '/v1/admin/clock/run',
      { step: $('run-step').value.trim(), every: $('run-every').value.trim() }));
  });
  $('run-stop').addEventListener('click', () =>
    act('clock-error', () => api('DELETE', '/v1/admin/clock/run')));
  $('block-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('clearinghouse-error', () => api('POST', '/v1/admin/blocks',
      { product_key: $('block-key').value.trim(), reason: $('block-reason').value }));
  });
  $('fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const kind = $('fault-kind').value;
    const f = { route: $('fault-route').value.trim(), kind,
      probability: Number($('fault-probability').value) };
    if (kind === 'error') f.status = Number($('fault-status').value);
    if (kind === 'latency' || kind === 'timeout') f.latency_ms = Number($('fault-latency').value);
    act('clearinghouse-error', () => api('PUT', '/v1/admin/faults', f));
  });
  $('faults-clear').addEventListener('click', () =>
    act('clearinghouse-error', () => api('DELETE', '/v1/admin/faults')));
  window.addEventListener('hashchange', () => { takeFragmentToken(); show(); });
  show();
}

document.addEventListener('DOMContentLoaded', init);
