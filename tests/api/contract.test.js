'use strict';
// The clearinghouse's API contract, run by tests/cli/test_api_contract.sh
// against a real server on a temporary lab:
//  - docs/openapi.yaml passes Redocly CLI's recommended rules
//    (redocly.yaml), with no error and no warning;
//  - every route of the server's route table (`actsim server --routes`)
//    is an operation of the document and every operation a route;
//  - every route is sent its success and error cases, and each answer's
//    status, body (ajv, with the document's own schemas) and declared
//    headers (Allow, WWW-Authenticate, Retry-After) must be what the
//    document says for that operation;
//  - every status the document lists is exercised, or named below with
//    the reason it cannot be from here;
//  - the validator rejects answers that are deliberately wrong.
// Prints TAP and the closing "N passed, N failed" line.

const fs = require('fs');
const https = require('https');
const tls = require('tls');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const env = process.env;
const doc = YAML.parse(fs.readFileSync(env.CONTRACT_DOC, 'utf8'));
const routes = JSON.parse(fs.readFileSync(env.CONTRACT_ROUTES, 'utf8')).routes;
const base = env.CONTRACT_URL ? new URL(env.CONTRACT_URL) : null;
const ca = env.CONTRACT_CA ? fs.readFileSync(env.CONTRACT_CA) : null;
const TOKEN = env.CONTRACT_TOKEN;
const onPostgres = (env.ACTSIM_DATABASE || '') !== '';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/* ---- TAP ---- */

let passed = 0;
let failed = 0;
function ok(name) {
	passed++;
	console.log(`ok ${passed + failed} - ${name}`);
}
function notOk(name, why) {
	failed++;
	console.log(`not ok ${passed + failed} - ${name}`);
	for (const line of String(why).split('\n'))
		console.log(`#   ${line}`);
}
function check(name, cond, why) {
	if (cond)
		ok(name);
	else
		notOk(name, why);
}

/* ---- the document, its schemas compiled by ajv ---- */

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
// The document is registered whole so that its own $refs resolve; its
// top-level members are not JSON Schema keywords, and are never
// validated against: only the schemas they hold are compiled.
for (const k of Object.keys(doc))
	ajv.addKeyword({ keyword: k });
ajv.addSchema({ ...doc, $id: 'openapi' });

function esc(segment) {
	return encodeURIComponent(String(segment).replace(/~/g, '~0').replace(/\//g, '~1'));
}
function at(pointer) {
	let node = doc;
	for (const seg of pointer.split('/').slice(1)) {
		node = node?.[decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~')];
	}
	return node;
}
// Follows $refs (a Reference Object may carry its own description).
function follow(pointer) {
	let node = at(pointer);
	while (node && typeof node.$ref === 'string') {
		pointer = node.$ref.slice(1);
		node = at(pointer);
	}
	return { pointer, node };
}
const validators = new Map();
function validate(pointer, data) {
	if (!validators.has(pointer)) {
		try {
			validators.set(pointer, ajv.compile({ $ref: `openapi#${pointer}` }));
		} catch (e) {
			validators.set(pointer, e);
		}
	}
	const v = validators.get(pointer);
	if (v instanceof Error)
		return [`the document's schema does not compile: ${v.message}`];
	return v(data) ? [] : v.errors.map((e) => `${e.instancePath || '(body)'} ${e.message}` +
		(e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : ''));
}

// "/v1/admin/blocks/*" (the route table) <-> "/v1/admin/blocks/{product_key}"
function docPathOf(routePath) {
	return Object.keys(doc.paths).find((p) => p.replace(/\{[^}]+\}/g, '*') === routePath);
}

/* The problems of an answer against the document: res is {status,
 * headers, body}; where is {method, docPath} of an operation, or
 * {global: true} for the answers to any request. A status the operation
 * does not list is only allowed through its `default` response when the
 * case injected an error fault. */
function conform(where, res, fault = false) {
	const problems = [];
	const status = String(res.status);
	let ptr;

	if (where.global) {
		ptr = `/x-global-responses/${status}`;
		if (at(ptr) === undefined)
			return [`status ${status} is not one of x-global-responses`];
	} else {
		const m = where.method === 'HEAD' ? 'get' : where.method.toLowerCase();
		const op = doc.paths[where.docPath]?.[m];
		if (op === undefined)
			return [`${where.method} ${where.docPath} is not an operation of the document`];
		ptr = `/paths/${esc(where.docPath)}/${m}/responses/`;
		if (op.responses[status] !== undefined)
			ptr += status;
		else if (fault && op.responses.default !== undefined)
			ptr += 'default';
		else
			return [`status ${status} is not documented for ${where.method} ${where.docPath}`];
	}
	const { pointer, node: resp } = follow(ptr);
	for (const [name, h0] of Object.entries(resp.headers || {})) {
		const { pointer: hp, node: h } = follow(`${pointer}/headers/${esc(name)}`);
		const value = res.headers[name.toLowerCase()];
		if (value === undefined) {
			if (h.required)
				problems.push(`header ${name} missing`);
			continue;
		}
		const typed = h.schema?.type === 'integer' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
		for (const p of validate(`${hp}/schema`, typed))
			problems.push(`header ${name}: ${value}: ${p}`);
		void h0;
	}
	const type = (res.headers['content-type'] || '').split(';')[0].trim();
	if (where.method === 'HEAD') {
		if (res.body.length > 0)
			problems.push(`HEAD answered with a body of ${res.body.length} bytes`);
		if (resp.content && !resp.content[type])
			problems.push(`Content-Type '${type}' is not one of ${Object.keys(resp.content).join(', ')}`);
		return problems;
	}
	if (!resp.content) {
		if (res.body.length > 0)
			problems.push('a body where the document declares none');
		return problems;
	}
	if (!resp.content[type]) {
		problems.push(`Content-Type '${type}' is not one of ${Object.keys(resp.content).join(', ')}`);
		return problems;
	}
	let data = res.body.toString('utf8');
	if (type === 'application/json') {
		try {
			data = JSON.parse(data);
		} catch (e) {
			problems.push(`the body is not JSON: ${e.message}`);
			return problems;
		}
	}
	if (resp.content[type].schema === undefined)
		problems.push(`no schema for ${type}`);
	else
		problems.push(...validate(`${pointer}/content/${esc(type)}/schema`, data));
	return problems;
}

/* ---- HTTP ---- */

function request(method, target, opts = {}) {
	return new Promise((resolve, reject) => {
		const headers = { ...(opts.headers || {}) };
		let body = opts.body;
		if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body))
			body = JSON.stringify(body);
		if (body !== undefined) {
			headers['Content-Type'] = headers['Content-Type'] || 'application/json';
			headers['Content-Length'] = Buffer.byteLength(body);
		}
		if (opts.token !== undefined)
			headers.Authorization = `Bearer ${opts.token}`;
		const req = https.request({
			host: base.hostname, port: base.port, method, path: target, ca, headers, agent: false,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
			res.on('error', reject);
		});
		req.setTimeout(30000, () => req.destroy(new Error('no answer in 30 s')));
		req.on('error', reject);
		req.end(body);
	});
}

/* Bytes as given, for what an HTTP client will not send (a request line
 * that does not parse, CONNECT). The answer: its status line, headers
 * and Content-Length bytes of body. */
function raw(text) {
	return new Promise((resolve, reject) => {
		const sock = tls.connect({ host: base.hostname, port: Number(base.port), ca });
		let all = Buffer.alloc(0);
		let done = false;
		const finish = (closed) => {
			const end = all.indexOf('\r\n\r\n');
			if (end < 0) {
				if (closed)
					reject(new Error(`not an HTTP answer: '${all.toString('latin1').slice(0, 100)}'`));
				return;
			}
			const lines = all.subarray(0, end).toString('latin1').split('\r\n');
			const m = /^HTTP\/1\.[01] ([0-9]{3}) /.exec(lines[0]);
			const headers = {};
			for (const l of lines.slice(1)) {
				const i = l.indexOf(':');
				headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
			}
			const len = Number(headers['content-length'] || 0);
			if (!closed && all.length < end + 4 + len)
				return;
			done = true;
			sock.destroy();
			if (m === null)
				reject(new Error(`not a status line: '${lines[0]}'`));
			else
				resolve({ status: Number(m[1]), headers, body: all.subarray(end + 4, end + 4 + len) });
		};
		sock.setTimeout(30000, () => sock.destroy(new Error('no answer in 30 s')));
		sock.on('secureConnect', () => sock.write(text));
		sock.on('data', (c) => {
			all = Buffer.concat([all, c]);
			finish(false);
		});
		sock.on('error', (e) => { if (!done) reject(e); });
		sock.on('close', () => { if (!done) finish(true); });
	});
}

/* ---- cases ---- */

// Which (operation, status) pairs the cases saw, and which routes had a
// success and an error.
const seen = new Set();
const routeOutcomes = new Map();
const opKey = (method, docPath) => `${method.toUpperCase()} ${docPath}`;

/* c: {name, method, path (with query), route (a doc path, omitted for
 * the answers to any request), body, token, headers, status, code,
 * expectHeaders {name: exact value or true}, fault}. */
async function run(c) {
	let res;
	try {
		res = c.raw !== undefined ? await raw(c.raw) : await request(c.method, c.path, c);
	} catch (e) {
		notOk(`${c.name}`, `${c.method} ${c.path}: ${e.message}`);
		return null;
	}
	const problems = [];
	if (res.status !== c.status)
		problems.push(`HTTP ${res.status}, expected ${c.status}`);
	const where = c.route === undefined ? { global: true } : { method: c.method, docPath: c.route };
	problems.push(...conform(where, res, c.fault === true));
	// What a success was sent must be what the document asks for.
	if (c.route !== undefined && res.status < 300 && c.body !== undefined) {
		const m = c.method.toLowerCase();
		const rb = doc.paths[c.route]?.[m]?.requestBody;
		if (rb === undefined)
			problems.push('a body was accepted where the document declares none');
		else if (typeof c.body === 'object')
			for (const p of validate(`/paths/${esc(c.route)}/${m}/requestBody/content/application~1json/schema`, c.body))
				problems.push(`the request body: ${p}`);
	}
	if (c.route !== undefined && res.status < 300 && c.path.includes('?')) {
		const m = c.method === 'HEAD' ? 'get' : c.method.toLowerCase();
		const params = doc.paths[c.route]?.[m]?.parameters || [];
		for (const [name, value] of new URLSearchParams(c.path.slice(c.path.indexOf('?') + 1))) {
			const i = params.findIndex((q) => q.in === 'query' && q.name === name);
			if (i < 0) {
				problems.push(`query parameter '${name}' is not in the document`);
				continue;
			}
			const typed = params[i].schema?.type === 'integer' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
			for (const p of validate(`/paths/${esc(c.route)}/${m}/parameters/${i}/schema`, typed))
				problems.push(`query parameter '${name}': ${p}`);
		}
	}
	if (c.code !== undefined) {
		let code;
		try {
			code = JSON.parse(res.body.toString('utf8')).error.code;
		} catch {
			code = undefined;
		}
		if (Array.isArray(c.code) ? !c.code.includes(code) : code !== c.code)
			problems.push(`code ${code}, expected ${c.code}`);
	}
	for (const [name, want] of Object.entries(c.expectHeaders || {})) {
		const got = res.headers[name.toLowerCase()];
		if (want === true ? got === undefined : got !== want)
			problems.push(`header ${name}: '${got}', expected ${want === true ? 'one' : `'${want}'`}`);
	}
	if (c.route !== undefined) {
		const m = c.method === 'HEAD' ? 'GET' : c.method;
		const key = opKey(m, c.route);
		if (problems.length === 0) {
			const explicit = doc.paths[c.route]?.[m.toLowerCase()]?.responses?.[String(res.status)];
			seen.add(`${key} ${explicit !== undefined ? res.status : 'default'}`);
		}
		const o = routeOutcomes.get(key) || { success: 0, error: 0 };
		if (res.status < 300)
			o.success++;
		else
			o.error++;
		routeOutcomes.set(key, o);
	}
	const excerpt = res.body.toString('utf8').slice(0, 300);
	check(`${c.name} (${c.method} ${c.path.slice(0, 60)}: HTTP ${c.status}${c.code ? ` ${[c.code].flat().join(' or ')}` : ''})`,
		problems.length === 0, `${problems.join('\n')}\nbody: ${excerpt}`);
	return res;
}

const admin = (extra) => ({ token: TOKEN, ...extra });

// Five data digits and a check digit (d1 + 2 d2 + d3 + 2 d4 + d5) mod 7:
// a well-formed installation ID that no key of the lab made.
function foreignIid() {
	const groups = [];
	for (let g = 0; g < 9; g++) {
		const d = [3, 1, 4, 1, 5].map((x, i) => (x + g * (i + 2)) % 10);
		groups.push(d.join('') + String((d[0] + 2 * d[1] + d[2] + 2 * d[3] + d[4]) % 7));
	}
	return groups.join('-');
}

async function main() {
	/* -- the validator can fail -- */
	const json = (status, doc0, headers = {}) => ({
		status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(doc0)),
	});
	const wrong = [
		['a healthz body with a wrong value', { method: 'GET', docPath: '/healthz' }, json(200, { status: 'bad' })],
		['an activation without its confirmation ID', { method: 'POST', docPath: '/v1/activations' },
			json(200, { product_id: 'x', activation_id: 1 })],
		['an error object with an undocumented member', { method: 'POST', docPath: '/v1/activations' },
			json(400, { error: { code: 'X', message: 'm', extra: 1 } })],
		['a 401 without WWW-Authenticate', { method: 'GET', docPath: '/v1/admin/clock' },
			json(401, { error: { code: 'UNAUTHORIZED', message: 'm' } })],
		['a status the operation does not list', { method: 'GET', docPath: '/v1/admin/clock' },
			json(418, { error: { code: 'TEAPOT', message: 'm' } })],
		['an HTML body where JSON is documented', { method: 'GET', docPath: '/healthz' },
			{ status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html></html>') }],
		['a Retry-After that is not a number of seconds', { method: 'POST', docPath: '/v1/activations' },
			json(503, { error: { code: 'LAB_BUSY', message: 'm' } }, { 'retry-after': 'soon' })],
		['a 405 without Allow', { global: true }, json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'm' } })],
		['a timeline that is not SVG', { method: 'GET', docPath: '/v1/admin/timelines/{name}' },
			{ status: 200, headers: { 'content-type': 'image/svg+xml' }, body: Buffer.from('hello') }],
	];
	for (const [what, where, res] of wrong) {
		const p = conform(where, res);
		check(`the validator rejects ${what}`, p.length > 0, 'accepted');
	}
	check('the validator accepts a right answer',
		conform({ method: 'GET', docPath: '/healthz' }, json(200, { status: 'ok' })).length === 0,
		conform({ method: 'GET', docPath: '/healthz' }, json(200, { status: 'ok' })).join('\n'));

	/* -- every schema of the document compiles (ajv, strict mode) -- */
	const bad = [];
	const compileAll = (ptr, node) => {
		if (node === null || typeof node !== 'object')
			return;
		for (const [k, v] of Object.entries(node)) {
			if (k === 'schema' && v && typeof v === 'object') {
				validate(`${ptr}/schema`, null);
				if (validators.get(`${ptr}/schema`) instanceof Error)
					bad.push(`${ptr}: ${validators.get(`${ptr}/schema`).message}`);
			} else {
				compileAll(`${ptr}/${esc(k)}`, v);
			}
		}
	};
	compileAll('', { paths: doc.paths, components: doc.components, 'x-global-responses': doc['x-global-responses'] });
	for (const name of Object.keys(doc.components.schemas)) {
		const ptr = `/components/schemas/${esc(name)}`;
		validate(ptr, null);
		if (validators.get(ptr) instanceof Error)
			bad.push(`${ptr}: ${validators.get(ptr).message}`);
	}
	check('every schema of the document compiles in ajv\'s strict mode', bad.length === 0, bad.join('\n'));

	/* -- the linter -- */
	const lint = spawnSync(process.execPath, [require.resolve('@redocly/cli/bin/cli.js'), 'lint',
		'--config', path.join(__dirname, 'redocly.yaml'), '--format', 'json', env.CONTRACT_DOC],
	{ encoding: 'utf8', env: { ...env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
	let totals = null;
	let problems = [];
	try {
		const out = JSON.parse(lint.stdout);
		totals = out.totals;
		problems = out.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer})`);
	} catch (e) {
		problems = [`cannot read its output: ${e.message}`, lint.stderr.slice(-500)];
	}
	check('docs/openapi.yaml passes Redocly\'s recommended rules: no error, no warning',
		lint.status === 0 && totals && totals.errors === 0 && totals.warnings === 0,
		`exit ${lint.status}; ${JSON.stringify(totals)}\n${problems.join('\n')}`);

	/* -- the route table and the document -- */
	const ops = [];
	for (const [p, item] of Object.entries(doc.paths))
		for (const m of METHODS)
			if (item[m] !== undefined)
				ops.push(opKey(m, p));
	const routeOps = routes.map((r) => opKey(r.method, docPathOf(r.path) || r.path));
	check(`the route table has routes (${routes.length})`, routes.length > 20, JSON.stringify(routes));
	for (const r of routes) {
		const p = docPathOf(r.path);
		check(`${r.method} ${r.path} is in the document`, p !== undefined && doc.paths[p][r.method.toLowerCase()] !== undefined,
			'missing from docs/openapi.yaml');
	}
	const phantom = ops.filter((o) => !routeOps.includes(o));
	check('every operation of the document is a route', phantom.length === 0, phantom.join('\n'));
	for (const r of routes) {
		const p = docPathOf(r.path);
		const op = p && doc.paths[p][r.method.toLowerCase()];
		if (!op)
			continue;
		const isPublic = Array.isArray(op.security) && op.security.length === 0;
		check(`${r.method} ${r.path}: the document ${r.admin ? 'needs' : 'does not need'} the admin token, as the server`,
			isPublic === !r.admin, `admin ${r.admin}, security ${JSON.stringify(op.security)}`);
	}

	/* -- the clearinghouse -- */
	const IID = { r1: env.CONTRACT_IID_R1, r2: env.CONTRACT_IID_R2, r3: env.CONTRACT_IID_R3, b1: env.CONTRACT_IID_B1, v1: env.CONTRACT_IID_V1 };
	const A = '/v1/activations';
	await run({ name: 'health', method: 'GET', path: '/healthz', route: '/healthz', status: 200 });
	await run({ name: 'metrics', method: 'GET', path: '/metrics', route: '/metrics', status: 200 });
	await run({ name: 'the dashboard page', method: 'GET', path: '/', route: '/', status: 200 });
	await run({ name: 'its script', method: 'GET', path: '/app.js', route: '/app.js', status: 200 });
	await run({ name: 'its style sheet', method: 'GET', path: '/app.css', route: '/app.css', status: 200 });

	await run({ name: 'activation granted', method: 'POST', path: A, route: A, body: { installation_id: IID.r1 }, status: 200 });
	await run({ name: 'second activation granted', method: 'POST', path: A, route: A, body: { installation_id: IID.r2 }, status: 200 });
	await run({ name: 'over the limit', method: 'POST', path: A, route: A, body: { installation_id: IID.r3 }, status: 409, code: 'TOO_MANY_ACTIVATIONS' });
	await run({ name: 'volume key', method: 'POST', path: A, route: A, body: { installation_id: IID.v1 }, status: 422, code: 'ACTIVATION_NOT_REQUIRED' });
	await run({ name: 'not JSON', method: 'POST', path: A, route: A, body: 'installation_id=1', status: 400, code: 'MALFORMED_JSON' });
	await run({ name: 'no installation ID', method: 'POST', path: A, route: A, body: {}, status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'malformed installation ID', method: 'POST', path: A, route: A, body: { installation_id: '123' }, status: 400, code: 'MALFORMED_INSTALLATION_ID' });
	await run({ name: 'a check digit wrong', method: 'POST', path: A, route: A,
		body: { installation_id: IID.r1.replace(/^(\d{5})(\d)/, (m, d, c) => d + String((Number(c) + 1) % 7)) }, status: 400, code: 'MALFORMED_INSTALLATION_ID' });
	await run({ name: 'an installation ID of no key of this lab', method: 'POST', path: A, route: A, body: { installation_id: foreignIid() }, status: 400, code: 'INVALID_INSTALLATION_ID' });

	const V = '/v1/keys/validate';
	await run({ name: 'a valid key', method: 'POST', path: V, route: V, body: { product_key: env.CONTRACT_RETAIL_KEY }, status: 200 });
	await run({ name: 'a key for other media', method: 'POST', path: V, route: V,
		body: { product_key: env.CONTRACT_RETAIL_KEY, media: { sku: 'enterprise', channel: 'retail', platform: 'x86' } }, status: 200 });
	await run({ name: 'a key that does not verify', method: 'POST', path: V, route: V, body: { product_key: 'BCDFG-HJKMP-QRTVW-XY234-6789B' }, status: 200 });
	await run({ name: 'a malformed key', method: 'POST', path: V, route: V, body: { product_key: 'AAAAA' }, status: 400, code: 'MALFORMED_KEY' });
	await run({ name: 'unknown media', method: 'POST', path: V, route: V,
		body: { product_key: env.CONTRACT_RETAIL_KEY, media: { sku: 'home', channel: 'retail', platform: 'x86' } }, status: 400, code: 'UNKNOWN_PRODUCT' });
	await run({ name: 'media not an object', method: 'POST', path: V, route: V, body: { product_key: env.CONTRACT_RETAIL_KEY, media: 3 }, status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'not JSON', method: 'POST', path: V, route: V, body: '[', status: 400, code: 'MALFORMED_JSON' });

	const R = '/v1/registrations';
	await run({ name: 'registration', method: 'POST', path: R, route: R, body: { product_id: env.CONTRACT_PRODUCT_ID, name: 'Ada' }, status: 201 });
	await run({ name: 'not a product ID', method: 'POST', path: R, route: R, body: { product_id: '12345', name: 'Ada' }, status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'no contact data', method: 'POST', path: R, route: R, body: { product_id: env.CONTRACT_PRODUCT_ID }, status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'not JSON', method: 'POST', path: R, route: R, body: '', status: 400, code: 'MALFORMED_JSON' });

	/* -- the admin API -- */
	const BK = env.CONTRACT_BLOCKED_KEY;
	await run({ name: 'block a key', method: 'POST', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin({ body: { product_key: BK, reason: 'contract' } }), status: 201 });
	await run({ name: 'the blocked key is refused', method: 'POST', path: A, route: A, body: { installation_id: IID.b1 }, status: 403, code: 'KEY_BLOCKED' });
	await run({ name: 'blocked keys', method: 'GET', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin(), status: 200 });
	await run({ name: 'block without a key', method: 'POST', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin({ body: { reason: 'x' } }), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'block a malformed key', method: 'POST', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin({ body: { product_key: 'AAAA' } }), status: 400, code: 'MALFORMED_KEY' });
	await run({ name: 'block, not JSON', method: 'POST', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin({ body: 'x' }), status: 400, code: 'MALFORMED_JSON' });
	const UB = '/v1/admin/blocks/{product_key}';
	await run({ name: 'unblock', method: 'DELETE', path: `/v1/admin/blocks/${BK}`, route: UB, ...admin(), status: 200 });
	await run({ name: 'unblock a key that is not blocked', method: 'DELETE', path: `/v1/admin/blocks/${BK}`, route: UB, ...admin(), status: 404, code: 'NOT_BLOCKED' });
	await run({ name: 'unblock a malformed key', method: 'DELETE', path: '/v1/admin/blocks/AAAA', route: UB, ...admin(), status: 400, code: 'MALFORMED_KEY' });
	await run({ name: 'unblock, bad escape', method: 'DELETE', path: '/v1/admin/blocks/%zz', route: UB, ...admin(), status: 400, code: 'MALFORMED_REQUEST' });

	const AA = '/v1/admin/activations';
	await run({ name: 'activations of a key', method: 'GET', path: `${AA}?product_key=${BK}`, route: AA, ...admin(), status: 200 });
	await run({ name: 'activations of a product ID', method: 'GET', path: `${AA}?product_id=${env.CONTRACT_PRODUCT_ID}`, route: AA, ...admin(), status: 200 });
	await run({ name: 'activations, all', method: 'GET', path: AA, route: AA, ...admin(), status: 200 });
	await run({ name: 'activations, bad product ID', method: 'GET', path: `${AA}?product_id=12`, route: AA, ...admin(), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'activations, malformed key', method: 'GET', path: `${AA}?product_key=AAAA`, route: AA, ...admin(), status: 400, code: 'MALFORMED_KEY' });
	await run({ name: 'decisions counted', method: 'GET', path: '/v1/admin/activations/counts', route: '/v1/admin/activations/counts', ...admin(), status: 200 });

	const C = '/v1/admin/clock';
	await run({ name: 'the clock', method: 'GET', path: C, route: C, ...admin(), status: 200 });
	await run({ name: 'advance the clock', method: 'PUT', path: C, route: C, ...admin({ body: { advance: '1d' } }), status: 200 });
	await run({ name: 'set the clock', method: 'PUT', path: C, route: C, ...admin({ body: { now: '2026-03-01T00:00:00Z' } }), status: 200 });
	await run({ name: 'neither now nor advance', method: 'PUT', path: C, route: C, ...admin({ body: {} }), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'past the end of lab time', method: 'PUT', path: C, route: C, ...admin({ body: { now: '9999-12-31T00:00:00Z' } }), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'clock, not JSON', method: 'PUT', path: C, route: C, ...admin({ body: '"x"' }), status: 400, code: 'MALFORMED_JSON' });
	const CR = '/v1/admin/clock/run';
	await run({ name: 'start the demo clock', method: 'PUT', path: CR, route: CR, ...admin({ body: { step: '1d', every: '1h' } }), status: 200 });
	await run({ name: 'the clock says it runs', method: 'GET', path: C, route: C, ...admin(), status: 200 });
	await run({ name: 'demo clock, bad step', method: 'PUT', path: CR, route: CR, ...admin({ body: { step: 'soon' } }), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'stop the demo clock', method: 'DELETE', path: CR, route: CR, ...admin(), status: 200 });

	const M = '/v1/admin/machines';
	await run({ name: 'the fleet', method: 'GET', path: M, route: M, ...admin(), status: 200 });
	await run({ name: 'an activated machine', method: 'GET', path: `${M}/r1`, route: `${M}/{name}`, ...admin(), status: 200 });
	await run({ name: 'a machine in grace', method: 'GET', path: `${M}/r3`, route: `${M}/{name}`, ...admin(), status: 200 });
	await run({ name: 'no such machine', method: 'GET', path: `${M}/nope`, route: `${M}/{name}`, ...admin(), status: 404, code: 'NO_SUCH_MACHINE' });
	await run({ name: 'a name that cannot be a machine', method: 'GET', path: `${M}/%3Cb%3E`, route: `${M}/{name}`, ...admin(), status: 404, code: 'NO_SUCH_MACHINE' });
	const TL = '/v1/admin/timelines/{name}';
	await run({ name: 'a timeline drawn', method: 'GET', path: '/v1/admin/timelines/r1', route: TL, ...admin(), status: 200 });
	await run({ name: 'no such machine', method: 'GET', path: '/v1/admin/timelines/nope', route: TL, ...admin(), status: 404, code: 'NO_SUCH_MACHINE' });

	const RQ = '/v1/admin/requests';
	await run({ name: 'the request log', method: 'GET', path: `${RQ}?limit=1000`, route: RQ, ...admin(), status: 200 });
	await run({ name: 'a bad limit', method: 'GET', path: `${RQ}?limit=0`, route: RQ, ...admin(), status: 400, code: 'MALFORMED_REQUEST' });

	const F = '/v1/admin/faults';
	await run({ name: 'no faults', method: 'GET', path: F, route: F, ...admin(), status: 200 });
	await run({ name: 'set a fault', method: 'PUT', path: F, route: F, ...admin({ body: { route: '/v1/*', kind: 'latency', delay_ms: 1, after: 1000000 } }), status: 200 });
	await run({ name: 'the fault listed', method: 'GET', path: F, route: F, ...admin(), status: 200 });
	await run({ name: 'a fault on no route', method: 'PUT', path: F, route: F, ...admin({ body: { route: '/nope', kind: 'error' } }), status: 400, code: 'UNKNOWN_ROUTE' });
	await run({ name: 'a fault on an admin route', method: 'PUT', path: F, route: F, ...admin({ body: { route: '/v1/admin/clock', kind: 'error' } }), status: 400, code: 'UNKNOWN_ROUTE' });
	await run({ name: 'a fault of no kind', method: 'PUT', path: F, route: F, ...admin({ body: { route: '/healthz' } }), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'a fault, not JSON', method: 'PUT', path: F, route: F, ...admin({ body: 'null' }), status: 400, code: 'MALFORMED_JSON' });
	// 16 faults that never fire (after), then one too many.
	const slots = [];
	for (const r of ['/healthz', '/metrics', '/app.css', '/app.js'])
		for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'])
			slots.push({ route: r, method: m });
	let setOk = true;
	for (const s of slots.slice(0, 15)) {
		const res = await request('PUT', F, admin({ body: { ...s, kind: 'error', after: 1000000 } }));
		setOk = setOk && res.status === 200;
	}
	check('15 more faults set', setOk, 'a PUT failed');
	await run({ name: 'a 17th fault', method: 'PUT', path: F, route: F, ...admin({ body: { ...slots[15], kind: 'error' } }), status: 409, code: 'TOO_MANY_FAULTS' });
	await run({ name: 'clear one route\'s faults', method: 'DELETE', path: `${F}?route=%2Fmetrics`, route: F, ...admin(), status: 200 });
	await run({ name: 'clear a route without faults', method: 'DELETE', path: `${F}?route=%2Fmetrics`, route: F, ...admin(), status: 404, code: 'NO_FAULT' });
	await run({ name: 'clear, not a path', method: 'DELETE', path: `${F}?route=metrics`, route: F, ...admin(), status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'clear every fault', method: 'DELETE', path: F, route: F, ...admin(), status: 200 });

	/* -- every route: no token, a body over its cap -- */
	const big = 'x'.repeat(4097);
	for (const r of routes) {
		const p = docPathOf(r.path);
		if (p === undefined)
			continue;
		const concrete = r.path.replace('*', r.path.startsWith('/v1/admin/blocks') ? BK : 'r1');
		if (r.admin) {
			await run({ name: 'no token', method: r.method, path: concrete, route: p, status: 401, code: 'UNAUTHORIZED', expectHeaders: { 'WWW-Authenticate': 'Bearer' } });
			await run({ name: 'a wrong token', method: r.method, path: concrete, route: p, token: 'f'.repeat(64), status: 401, code: 'UNAUTHORIZED' });
		}
		await run({ name: 'a body over the cap', method: r.method, path: concrete, route: p, ...admin({ body: big }), status: 413, code: 'BODY_TOO_LARGE' });
	}

	/* -- answers to any request -- */
	await run({ name: 'no such path', method: 'GET', path: '/nope', status: 404, code: 'NOT_FOUND' });
	await run({ name: 'no such path below a route', method: 'GET', path: '/v1/admin/machines/r1/more', ...admin(), status: 404, code: 'NOT_FOUND' });
	for (const p of [...new Set(routes.map((r) => r.path))]) {
		const concrete = p.replace('*', 'r1');
		const allow = routes.filter((r) => r.path === p).map((r) => r.method);
		await run({ name: `a method ${p} does not have`, method: 'PATCH', path: concrete, status: 405, code: 'METHOD_NOT_ALLOWED', expectHeaders: { Allow: true } })
			.then((res) => {
				const got = (res?.headers.allow || '').split(', ').filter((m) => m !== 'HEAD').sort();
				check(`Allow on ${p} names its methods (${allow.join(', ')})`, JSON.stringify(got) === JSON.stringify([...allow].sort()), `Allow: ${res?.headers.allow}`);
			});
	}
	await run({ name: 'OPTIONS', method: 'OPTIONS', path: '/v1/activations', status: 405, code: 'METHOD_NOT_ALLOWED', expectHeaders: { Allow: 'POST' } });

	await parserCases(BK, IID);

	/* -- faults on the routes that are not admin routes -- */
	const publicRoutes = routes.filter((r) => !r.admin);
	const publicBody = { '/v1/activations': { installation_id: IID.r1 }, '/v1/keys/validate': { product_key: BK },
		'/v1/registrations': { product_id: env.CONTRACT_PRODUCT_ID, name: 'Ada' } };
	for (const r of publicRoutes) {
		const set = await request('PUT', F, admin({ body: { route: r.path, method: r.method, kind: 'down', retry_after: 7, count: 1 } }));
		check(`a down fault on ${r.path}`, set.status === 200, `HTTP ${set.status}`);
		await run({ name: 'the clearinghouse down', method: r.method, path: r.path, route: r.path, body: publicBody[r.path],
			status: 503, code: 'CLEARINGHOUSE_DOWN', expectHeaders: { 'Retry-After': '7' }, fault: true });
		const set2 = await request('PUT', F, admin({ body: { route: r.path, method: r.method, kind: 'error', status: 418, code: 'TEAPOT', count: 1 } }));
		check(`an error fault on ${r.path}`, set2.status === 200, `HTTP ${set2.status}`);
		await run({ name: 'an error fault with its own status', method: r.method, path: r.path, route: r.path, body: publicBody[r.path],
			status: 418, code: 'TEAPOT', fault: true });
	}
	for (const [route, status] of [['/v1/activations', 500], ['/v1/registrations', 500], ['/metrics', 500], ['/healthz', 503]]) {
		const m = routes.find((r) => r.path === route).method;
		await request('PUT', F, admin({ body: { route, kind: 'error', status, count: 1 } }));
		await run({ name: `an error fault, ${status}`, method: m, path: route, route, body: publicBody[route], status, code: 'FAULT_INJECTED', fault: true });
	}

	/* -- a busy lab: another process holds the write lock (SQLite; a
	 * PostgreSQL lab goes away instead, below) -- */
	if (!onPostgres) {
		const holder = spawn('python3', ['-c', [
			'import sqlite3, sys',
			'db = sqlite3.connect(sys.argv[1], isolation_level=None)',
			'db.execute("BEGIN IMMEDIATE")',
			'print("held", flush=True)',
			'sys.stdin.read()',
			'db.execute("ROLLBACK")',
		].join('\n'), path.join(env.CONTRACT_LAB, 'lab.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
		const held = await new Promise((resolve) => {
			holder.stdout.on('data', (d) => { if (String(d).includes('held')) resolve(true); });
			holder.on('exit', () => resolve(false));
		});
		check('another process holds the lab', held, 'python3 could not take the lock');
		// The server lets one write wait (--write-queue-max 1): the writes the
		// writer holds get LAB_BUSY after its 3 s, the others SERVER_BUSY at
		// once, each with Retry-After and nothing recorded.
		const busy = { status: 503, code: ['LAB_BUSY', 'SERVER_BUSY'], expectHeaders: { 'Retry-After': '1' } };
		const answers = await Promise.all([
			run({ name: 'activation, lab busy', method: 'POST', path: A, route: A, body: { installation_id: IID.r3 }, ...busy }),
			run({ name: 'registration, lab busy', method: 'POST', path: R, route: R, body: { product_id: env.CONTRACT_PRODUCT_ID, name: 'Ada' }, ...busy }),
			run({ name: 'block, lab busy', method: 'POST', path: '/v1/admin/blocks', route: '/v1/admin/blocks', ...admin({ body: { product_key: BK } }), ...busy }),
			run({ name: 'unblock, lab busy', method: 'DELETE', path: `/v1/admin/blocks/${env.CONTRACT_RETAIL_KEY}`, route: UB, ...admin(), ...busy }),
			run({ name: 'clock, lab busy', method: 'PUT', path: C, route: C, ...admin({ body: { advance: '1d' } }), ...busy }),
			run({ name: 'reset, lab busy', method: 'POST', path: '/v1/admin/reset', route: '/v1/admin/reset', ...admin(), ...busy }),
			run({ name: 'reads go on', method: 'GET', path: C, route: C, ...admin(), status: 200 }),
		]);
		const codes = answers.slice(0, 6).map((res) => {
			try {
				return JSON.parse(res.body.toString('utf8')).error.code;
			} catch {
				return null;
			}
		});
		check('a held lab: the writes the writer took get LAB_BUSY, the rest SERVER_BUSY',
			codes.includes('LAB_BUSY') && codes.includes('SERVER_BUSY'), codes.join(', '));
		holder.stdin.end();
		await new Promise((resolve) => holder.on('close', resolve));
	}

	await run({ name: 'reset', method: 'POST', path: '/v1/admin/reset', route: '/v1/admin/reset', ...admin(), status: 200 });

	if (onPostgres)
		await databaseAway(BK, IID);

	/* -- coverage -- */
	for (const r of routes) {
		const key = opKey(r.method, docPathOf(r.path) || r.path);
		const o = routeOutcomes.get(key) || { success: 0, error: 0 };
		check(`${key} was sent a success case and an error case`, o.success > 0 && o.error > 0, JSON.stringify(o));
	}
	const unexercised = [];
	const explained = new Map();
	let documented = 0;
	for (const [p, item] of Object.entries(doc.paths))
		for (const m of METHODS) {
			if (item[m] === undefined)
				continue;
			for (const status of Object.keys(item[m].responses)) {
				const key = `${opKey(m, p)} ${status}`;
				documented++;
				if (seen.has(key))
					continue;
				const why = notExercised(opKey(m, p), status);
				if (why === null)
					unexercised.push(key);
				else
					explained.set(why, [...(explained.get(why) || []), key]);
			}
		}
	console.log(`# ${documented} documented (operation, status) pairs, ${seen.size} exercised`);
	for (const [why, keys] of explained)
		console.log(`# not exercised (${keys.length}): ${why}`);
	check('every documented status is exercised or said why not', unexercised.length === 0, unexercised.join('\n'));
}

/* A PostgreSQL lab whose database server goes away (PG_CTL_STOP, then
 * PG_CTL_START, from tests/cli/test_postgres.sh): every route that needs
 * the lab answers 503 DATABASE_UNAVAILABLE with Retry-After (/healthz
 * UNAVAILABLE), the others go on answering. */
async function databaseAway(BK, IID) {
	const A = '/v1/activations';
	const down = { status: 503, code: 'DATABASE_UNAVAILABLE', expectHeaders: { 'Retry-After': '1' } };
	const stop = spawnSync('sh', ['-c', env.PG_CTL_STOP || 'false'], { encoding: 'utf8' });
	check('the lab\'s database server stops', stop.status === 0, `${stop.stdout}${stop.stderr}`);
	try {
		await run({ name: 'database away, activation', method: 'POST', path: A, route: A, body: { installation_id: IID.r1 }, ...down });
		await run({ name: 'database away, registration', method: 'POST', path: '/v1/registrations', route: '/v1/registrations',
			body: { product_id: env.CONTRACT_PRODUCT_ID, name: 'Ada' }, ...down });
		await run({ name: 'database away, health', method: 'GET', path: '/healthz', route: '/healthz', status: 503, code: 'UNAVAILABLE' });
		await run({ name: 'database away, key validation needs no database', method: 'POST', path: '/v1/keys/validate', route: '/v1/keys/validate',
			body: { product_key: BK }, status: 200 });
		const adminCases = [
			['GET', '/v1/admin/activations', '/v1/admin/activations'],
			['GET', '/v1/admin/activations/counts', '/v1/admin/activations/counts'],
			['GET', '/v1/admin/blocks', '/v1/admin/blocks'],
			['POST', '/v1/admin/blocks', '/v1/admin/blocks', { product_key: BK }],
			['DELETE', `/v1/admin/blocks/${BK}`, '/v1/admin/blocks/{product_key}'],
			['GET', '/v1/admin/clock', '/v1/admin/clock'],
			['PUT', '/v1/admin/clock', '/v1/admin/clock', { advance: '1d' }],
			['POST', '/v1/admin/reset', '/v1/admin/reset'],
			['GET', '/v1/admin/requests', '/v1/admin/requests'],
			['GET', '/v1/admin/machines', '/v1/admin/machines'],
			['GET', '/v1/admin/machines/r1', '/v1/admin/machines/{name}'],
			['GET', '/v1/admin/timelines/r1', '/v1/admin/timelines/{name}'],
		];
		for (const [method, p, route, body] of adminCases)
			await run({ name: 'database away', method, path: p, route, ...admin({ body }), ...down });
	} finally {
		const start = spawnSync('sh', ['-c', env.PG_CTL_START || 'false'], { encoding: 'utf8' });
		check('the lab\'s database server starts again', start.status === 0, `${start.stdout}${start.stderr}`);
	}
	// The server reconnects by itself: bounded wait for a read that needs
	// the lab.
	let back = null;
	for (let i = 0; i < 100 && (back === null || back.status !== 200); i++) {
		back = await request('GET', '/v1/admin/clock', admin()).catch(() => null);
		if (back === null || back.status !== 200)
			await new Promise((r) => setTimeout(r, 100));
	}
	await run({ name: 'database back', method: 'GET', path: '/v1/admin/clock', route: '/v1/admin/clock', ...admin(), status: 200 });
}

/* What the HTTP parser refuses before any route is known, HEAD, and the
 * methods no operation can name. */
async function parserCases(BK, IID) {
	const A = '/v1/activations';
	const concrete = (r) => r.path.replace('*', r.path.startsWith('/v1/admin/blocks') ? BK : 'r1');
	const pad = 'x'.repeat(9000);
	for (const r of routes) {
		const p = docPathOf(r.path);
		if (p !== undefined)
			await run({ name: 'headers over 8 KiB', method: r.method, path: concrete(r), route: p, headers: { 'X-Pad': pad },
				...admin(), status: 431, code: 'HEADERS_TOO_LARGE' });
	}
	for (const r of routes.filter((x) => x.method === 'GET')) {
		const p = docPathOf(r.path);
		if (p === undefined)
			continue;
		await run({ name: 'HEAD as GET', method: 'HEAD', path: concrete(r), route: p, ...admin(), status: 200 });
		if (r.admin)
			await run({ name: 'HEAD without a token', method: 'HEAD', path: concrete(r), route: p, status: 401,
				expectHeaders: { 'WWW-Authenticate': 'Bearer' } });
	}
	await run({ name: 'a body over 64 KiB', method: 'POST', path: A, route: A, body: 'x'.repeat(70000), status: 413, code: 'BODY_TOO_LARGE' });
	await run({ name: 'a method HTTP does not define', method: 'FROB', path: '/healthz', status: 501, code: 'NOT_IMPLEMENTED' });
	await run({ name: 'TRACE on a route', method: 'TRACE', path: '/healthz', status: 405, code: 'METHOD_NOT_ALLOWED', expectHeaders: { Allow: 'GET, HEAD' } });
	await run({ name: 'CONNECT on a route', method: 'CONNECT', path: '/healthz', raw: 'CONNECT /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
		status: 405, code: 'METHOD_NOT_ALLOWED', expectHeaders: { Allow: 'GET, HEAD' } });
	await run({ name: 'CONNECT to an authority', method: 'CONNECT', path: '127.0.0.1:443', raw: 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n',
		status: 404, code: 'NOT_FOUND' });
	await run({ name: 'a request line that does not parse', method: '(none)', path: '', raw: 'GET\r\n\r\n', status: 400, code: 'MALFORMED_REQUEST' });
	await run({ name: 'an Expect the server cannot meet', method: 'POST', path: A, headers: { Expect: 'x-frob' },
		body: { installation_id: IID.r1 }, status: 417, code: 'EXPECTATION_FAILED' });
}

/* Documented statuses no case here can bring about, and why. */
function notExercised(op, status) {
	if (status === '500')
		return 'INTERNAL needs the lab database to fail under the server (or memory to run out)';
	if (status === '503' && op.includes('/v1/admin/') && !onPostgres)
		return 'DATABASE_UNAVAILABLE needs a PostgreSQL lab whose server goes away (the run of this test in tests/cli/test_postgres.sh)';
	return null;
}

main().catch((e) => notOk('the contract test ran to its end', e.stack)).finally(() => {
	console.log(`1..${passed + failed}`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exitCode = failed === 0 ? 0 : 1;
});
