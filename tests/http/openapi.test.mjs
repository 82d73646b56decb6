// The OpenAPI document against the real binary: served, well formed, every /api/ route of the
// route table documented with its methods, path parameters and roles (and nothing invented), the
// report limits and enums equal to the C sources, and real replies that fit the schemas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startServer, ctl, tempDir } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = (p) => readFileSync(path.join(ROOT, p), 'utf8');

// Method bits and access bits of service/route.h.
const METHODS = { get: 1, head: 2, post: 4, put: 8, delete: 16, patch: 32, options: 64 };
const ROLES = { victim: 1, caseworker: 2, admin: 4, auditor: 8, platform: 16 };
const OPS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ROUTE_NO_CSRF = 2;

function rolesOf(access) {
  if (access === 0) return ['anyone'];
  return Object.entries(ROLES)
    .filter(([, bit]) => access & bit)
    .map(([name]) => name);
}

let srv, dir, doc, routes, adminPw;

before(async () => {
  dir = tempDir('takedown-openapi-');
  adminPw = 'Openapi-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [adminPw, adminPw]);
  assert.equal(init.status, 0, init.stderr);
  const cwPw = 'Openapi-' + randomBytes(8).toString('hex');
  const add = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw1'], [adminPw, cwPw, cwPw]);
  assert.equal(add.status, 0, add.stderr);
  srv = await startServer({ dataDir: dir, args: ['--debug-routes'] });
  const res = await fetch(srv.base + '/api/v1/openapi.json');
  assert.equal(res.status, 200);
  doc = JSON.parse(await res.text());
  const r = await fetch(srv.base + '/debug/routes');
  assert.equal(r.status, 200);
  routes = (await r.json()).routes;
});

after(async () => {
  if (srv) await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---- a small JSON Schema checker: enough for the shapes this document uses ----

function resolve(node) {
  while (node && node.$ref) {
    const m = /^#\/components\/(\w+)\/(\w+)$/.exec(node.$ref);
    assert.ok(m, 'local component ref: ' + node.$ref);
    node = doc.components[m[1]][m[2]];
    assert.ok(node, 'ref resolves: ' + m[0]);
  }
  return node;
}

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

// Problems of value against schema, as "path: what" strings. Objects are closed: a member that
// the schema does not name is a problem, unless the schema names no members at all or says what
// additional members look like.
function check(schema, value, at = '$', out = [], open = false) {
  schema = resolve(schema);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => check(s, value, at).length === 0).length;
    if (ok !== 1) out.push(`${at}: matches ${ok} of oneOf`);
    return out;
  }
  if (schema.type) {
    const types = [].concat(schema.type);
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      out.push(`${at}: ${t}, want ${types.join('|')}`);
      return out;
    }
  }
  if ('const' in schema && value !== schema.const) out.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${at}: does not match ${schema.pattern}`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) out.push(`${at}: too long`);
    if (schema.minLength !== undefined && [...value].length < schema.minLength) out.push(`${at}: too short`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${at}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${at}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${at}: too many items`);
    if (schema.items) value.forEach((v, i) => check(schema.items, v, `${at}[${i}]`, out));
  }
  if (typeOf(value) === 'object') {
    for (const k of schema.required || []) if (!(k in value)) out.push(`${at}: lacks ${k}`);
    const props = schema.properties || {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) check(props[k], v, `${at}.${k}`, out);
      else if (schema.additionalProperties === false) out.push(`${at}: unexpected ${k}`);
      else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, v, `${at}.${k}`, out);
      else if (Object.keys(props).length && !open) out.push(`${at}: undocumented ${k}`);
    }
    if (schema.if) {
      const branch = check(schema.if, value, at, [], true).length === 0 ? schema.then : schema.else;
      if (branch) check(branch, value, at, out);
    }
  }
  return out;
}

function assertFits(schema, value, what) {
  const problems = check(schema, value);
  assert.deepEqual(problems, [], `${what} fits its schema:\n${JSON.stringify(value, null, 1).slice(0, 2000)}`);
}

// The schema of an operation's reply with that status.
function replySchema(p, method, status) {
  const r = resolve(doc.paths[p][method].responses[String(status)]);
  assert.ok(r, `${method.toUpperCase()} ${p} documents ${status}`);
  return r.content['application/json'].schema;
}

async function call(method, p, { json, cookie, csrf } = {}) {
  const headers = {};
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  if (cookie) headers.Cookie = 'td_session=' + cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(srv.base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  const set = res.headers.getSetCookie().map((c) => /^td_session=([^;]*)/.exec(c)).find(Boolean);
  return {
    status: res.status,
    headers: res.headers,
    body: /^application\/json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : text,
    cookie: set ? set[1] : null,
  };
}

// The table has one row per pattern and handler: a pattern may come in several rows.
const routeOf = (p, m) => routes.find((x) => x.pattern === p && x.methods & METHODS[m]);
const apiRoutes = () => routes.filter((r) => r.pattern.startsWith('/api/') && !r.pattern.startsWith('/api/v1/debug/'));
const operations = () =>
  Object.entries(doc.paths).flatMap(([p, item]) => OPS.filter((m) => item[m]).map((m) => ({ p, m, op: item[m], item })));

// ---- the document ----

test('GET /api/v1/openapi.json: 200 JSON, OpenAPI 3.1, the project version, same as /static/openapi.json', async () => {
  const res = await fetch(srv.base + '/api/v1/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const text = await res.text();
  const d = JSON.parse(text);
  assert.match(d.openapi, /^3\.1\.\d+$/);
  assert.equal(d.info.title, 'takedown');
  const version = /project\(takedown VERSION ([0-9.]+)/.exec(source('CMakeLists.txt'))[1];
  assert.equal(d.info.version, version, 'info.version is the CMake project VERSION');
  assert.deepEqual(d.servers, [{ url: '/' }]);
  const s = await fetch(srv.base + '/static/openapi.json');
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type'), /^application\/json/);
  assert.equal(await s.text(), text, 'the same document at both addresses');
  assert.equal(text, source('web/static/openapi.json'), 'the embedded file is the one in web/static');

  const schemes = d.components.securitySchemes;
  assert.deepEqual(schemes.session, { ...schemes.session, type: 'apiKey', in: 'cookie', name: 'td_session' });
  assert.deepEqual(schemes.csrf, { ...schemes.csrf, type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
  for (const n of ['Error', 'Report', 'CaseView', 'StaffCaseView', 'QueuePage', 'TransitionRequest', 'Notice'])
    assert.ok(d.components.schemas[n], `components.schemas.${n}`);
});

test('every $ref resolves and operation ids are unique', () => {
  const walk = (node, at) => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') resolve(node);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  };
  walk(doc, '#');
  const ids = operations().map((o) => o.op.operationId);
  assert.ok(ids.every(Boolean), 'every operation has an id');
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

test('every /api/ route of the table is documented with each of its methods and path parameters', () => {
  const api = apiRoutes();
  assert.ok(new Set(api.map((r) => r.pattern)).size >= 30, 'the table has the API routes: ' + api.length);
  assert.ok(api.some((r) => r.pattern === '/api/v1/openapi.json'), 'the document has its own route');
  for (const r of api) {
    const item = doc.paths[r.pattern];
    assert.ok(item, `${r.pattern} is documented`);
    const names = [...r.pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [m, bit] of Object.entries(METHODS)) {
      if (m === 'head' || !(r.methods & bit)) continue; // HEAD comes with GET; not documented
      const op = item[m];
      assert.ok(op, `${m.toUpperCase()} ${r.pattern} is documented`);
      const declared = [...(item.parameters || []), ...(op.parameters || [])]
        .map(resolve)
        .filter((p) => p.in === 'path');
      for (const p of declared) assert.equal(p.required, true, `${r.pattern} {${p.name}} is required`);
      assert.deepEqual(declared.map((p) => p.name).sort(), [...names].sort(), `${m.toUpperCase()} ${r.pattern} declares its path parameters`);
    }
  }
});

test('nothing invented: every documented path and method is in the route table', () => {
  for (const { p, m } of operations()) {
    assert.ok(routes.some((x) => x.pattern === p), `${p} is a route`);
    assert.ok(routeOf(p, m), `${m.toUpperCase()} ${p} is a method of the route`);
  }
  assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/api/v1/debug/') || p.startsWith('/debug/')), 'no debug routes');
  assert.ok(doc.paths['/healthz']?.get && doc.paths['/metrics']?.get, '/healthz and /metrics are documented');
});

test('x-roles and security follow the access bits and flags (public: ["anyone"])', () => {
  for (const { p, m, op } of operations()) {
    const r = routeOf(p, m);
    const want = rolesOf(r.access);
    assert.deepEqual([...op['x-roles']].sort(), [...want].sort(), `x-roles of ${m.toUpperCase()} ${p} (access ${r.access})`);
    const schemes = (op.security || []).flatMap((s) => Object.keys(s));
    if (r.access === 0) {
      assert.deepEqual(op.security, [], `${m.toUpperCase()} ${p} is public`);
    } else if (r.access === ROLES.platform) {
      assert.deepEqual(op.security, [{ desk_token: [] }], `${m.toUpperCase()} ${p} takes a desk's bearer token, nothing else`);
      assert.ok(op.responses['401'], `${m.toUpperCase()} ${p} documents 401`);
    } else {
      assert.ok(schemes.includes('session'), `${m.toUpperCase()} ${p} needs the session cookie`);
      const csrf = m !== 'get' && !(r.flags & ROUTE_NO_CSRF);
      assert.equal(schemes.includes('csrf'), csrf, `${m.toUpperCase()} ${p} ${csrf ? 'needs' : 'does not need'} X-CSRF-Token`);
      assert.ok(op.responses['401'] && op.responses['403'], `${m.toUpperCase()} ${p} documents 401 and 403`);
    }
  }
});

test('every operation has a 2xx, and every 4xx/5xx under /api/ is the Error schema', () => {
  for (const { p, m, op } of operations()) {
    const codes = Object.keys(op.responses);
    assert.ok(codes.some((c) => /^2\d\d$/.test(c)), `${m.toUpperCase()} ${p} has a 2xx`);
    for (const c of codes) {
      assert.match(c, /^[1-5]\d\d$/, `${m.toUpperCase()} ${p}: status ${c}`);
      const r = resolve(op.responses[c]);
      assert.ok(r.description, `${m.toUpperCase()} ${p} ${c} has a description`);
      if (p.startsWith('/api/') && Number(c) >= 400)
        assert.equal(r.content['application/json'].schema.$ref, '#/components/schemas/Error', `${m.toUpperCase()} ${p} ${c} is an Error`);
    }
    for (const c of ['429', '503']) {
      const r = op.responses[c] && resolve(op.responses[c]);
      if (r && p.startsWith('/api/')) assert.ok(r.headers?.['Retry-After'], `${m.toUpperCase()} ${p} ${c} names Retry-After`);
    }
  }
});

// ---- the report schema against the C sources ----

test('Report limits equal intake.h (and links.h for links)', () => {
  const defs = {};
  for (const m of source('service/intake.h').matchAll(/#define INTAKE_(\w+)_MAX (\d+)/g)) defs[m[1]] = Number(m[2]);
  const linkMax = Number(/#define LINK_TEXT_MAX (\d+)/.exec(source('service/links.h'))[1]);
  // Where each character limit sits in the report.
  const where = {
    'requester.name': 'NAME',
    'requester.contact.value': 'CONTACT',
    'requester.contact.safe_hours': 'SAFE_HOURS',
    'requester.contact.code_word': 'CODE_WORD',
    'requester.contact.trusted_name': 'NAME',
    'requester.contact.trusted_contact': 'CONTACT',
    'incident.place': 'PLACE',
    'incident.police_case_no': 'POLICE_NO',
    description: 'DESCRIPTION',
    signature: 'SIGNATURE',
    'targets[].note': 'NOTE',
    'targets[].holder': 'HOLDER',
    'targets[].where': 'WHERE',
  };
  const notText = ['TARGETS', 'FINGERPRINTS', 'MESSAGE', 'ERRORS'];
  assert.deepEqual(
    Object.keys(defs).filter((k) => !notText.includes(k)).sort(),
    [...new Set(Object.values(where))].sort(),
    'every text limit of intake.h has its place in the report',
  );
  // Every maxLength in the report, by path.
  const found = {};
  const walk = (s, at) => {
    s = resolve(s);
    if (s.maxLength !== undefined) found[at] = s.maxLength;
    for (const [k, v] of Object.entries(s.properties || {})) walk(v, at ? `${at}.${k}` : k);
    if (s.items) walk(s.items, `${at}[]`);
  };
  const report = doc.components.schemas.Report;
  walk(report, '');
  for (const [p, name] of Object.entries(where)) assert.equal(found[p], defs[name], `${p} maxLength = INTAKE_${name}_MAX`);
  assert.equal(found['targets[].url'], linkMax, 'targets[].url maxLength = LINK_TEXT_MAX');
  assert.deepEqual(Object.keys(found).sort(), [...Object.keys(where), 'targets[].url'].sort(), 'no other maxLength');

  const targets = report.properties.targets;
  assert.equal(targets.minItems, 1);
  assert.equal(targets.maxItems, defs.TARGETS);
  const fps = report.properties.fingerprints;
  assert.equal(fps.maxItems, defs.FINGERPRINTS);
  assert.equal(resolve(fps.items).properties.value.pattern, '^[0-9a-fA-F]{64}$');
  assert.equal(resolve(doc.components.schemas.VictimMessage).properties.body.maxLength, defs.MESSAGE, 'message body = INTAKE_MESSAGE_MAX');
  const more = replySchemaBody('/api/v1/my/targets', 'post');
  assert.equal(more.properties.targets.maxItems, defs.TARGETS);
  assert.deepEqual(report.required.sort(), ['good_faith', 'incident', 'requester', 'signature', 'targets']);
  assert.equal(report.properties.good_faith.const, true);
});

function replySchemaBody(p, method) {
  return resolve(doc.paths[p][method].requestBody.content['application/json'].schema);
}

test('Report enums equal intake.c; target states equal states.c; platforms equal links.c', () => {
  const c = source('service/intake.c');
  const list = (name) => {
    const m = new RegExp(`static const char \\*const ${name}\\[\\] = \\{([^}]*)\\}`).exec(c);
    assert.ok(m, name + ' in intake.c');
    return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
  };
  const r = doc.components.schemas.Report.properties;
  const target = resolve(r.targets.items).properties;
  assert.deepEqual(r.requester.properties.role.enum, list('ROLES'));
  assert.deepEqual(r.requester.properties.contact.properties.channel.enum, list('CHANNELS'));
  assert.deepEqual(r.incident.properties.type.enum, list('INCIDENTS'));
  assert.deepEqual(r.consent.properties.preservation.enum, list('PRESERVE'));
  assert.deepEqual(r.language.enum, list('LANGS'));
  assert.deepEqual(target.kind.enum, list('KINDS'));

  const states = /states_all[^]*?names\[\] = \{([^}]*)\}/.exec(source('service/states.c'));
  assert.deepEqual([...doc.components.schemas.TargetState.enum].sort(), [...states[1].matchAll(/"(\w+)"/g)].map((x) => x[1]).sort());
  const fields = /FIELD_NAMES\[\] = \{([^}]*)\}/.exec(source('service/casework_transition.c'));
  const tr = doc.components.schemas.TransitionRequest;
  assert.deepEqual(
    Object.keys(tr.properties).filter((k) => k !== 'to').sort(),
    [...fields[1].matchAll(/"(\w+)"/g)].map((x) => x[1]).sort(),
    'TransitionRequest names the transition fields of casework_transition.c',
  );
  assert.equal(tr.additionalProperties, false, 'other fields are refused');
  const platforms = /static const LinkPlatform platforms\[\] = \{([^;]*)\};/.exec(source('service/links.c'));
  assert.deepEqual(target.platform.enum, [...platforms[1].matchAll(/\{"(\w+)"/g)].map((x) => x[1]));
});

// ---- real replies ----

test('the example report is accepted (201) and the victim\'s replies fit their schemas', async () => {
  const example = doc.components.examples.Report.value;
  assertFits(doc.components.schemas.Report, example, 'the example');
  const res = await call('POST', '/api/v1/cases', { json: example });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assertFits(replySchema('/api/v1/cases', 'post', 201), res.body, 'the 201');

  const bad = await call('POST', '/api/v1/cases', { json: { ...example, good_faith: false, targets: [] } });
  assert.equal(bad.status, 422);
  assertFits(replySchema('/api/v1/cases', 'post', 422), bad.body, 'the 422');

  const anon = await call('GET', '/api/v1/my/case');
  assert.equal(anon.status, 401);
  assertFits(replySchema('/api/v1/my/case', 'get', 401), anon.body, 'the 401');

  const s = await call('POST', '/api/v1/receipt/session', { json: { receipt: res.body.receipt } });
  assert.equal(s.status, 200);
  assertFits(replySchema('/api/v1/receipt/session', 'post', 200), s.body, 'the receipt session');
  assert.ok(s.cookie);
  const mine = await call('GET', '/api/v1/my/case', { cookie: s.cookie });
  assert.equal(mine.status, 200);
  assertFits(replySchema('/api/v1/my/case', 'get', 200), mine.body, 'the victim view');
  assert.equal(mine.body.case, res.body.case);
  const msg = await call('POST', '/api/v1/my/messages', { cookie: s.cookie, csrf: s.body.csrf, json: { body: '你好' } });
  assert.equal(msg.status, 201);
  assertFits(replySchema('/api/v1/my/messages', 'post', 201), msg.body, 'the message reply');
  const again = await call('GET', '/api/v1/my/case', { cookie: s.cookie });
  assertFits(replySchema('/api/v1/my/case', 'get', 200), again.body, 'the victim view with a message');
});

test('staff replies fit their schemas: session, queue, case, notice, registry, audit', async () => {
  const sig = await call('POST', '/api/v1/staff/session', { json: { login: 'admin', password: adminPw } });
  assert.equal(sig.status, 200, JSON.stringify(sig.body));
  assertFits(replySchema('/api/v1/staff/session', 'post', 200), sig.body, 'the staff session');
  const as = (method, p, json) => call(method, p, { cookie: sig.cookie, csrf: sig.body.csrf, json });

  const me = await as('GET', '/api/v1/staff/me');
  assertFits(replySchema('/api/v1/staff/me', 'get', 200), me.body, 'me');

  // A case of its own, so this test does not depend on the order of the others.
  const filed = await call('POST', '/api/v1/cases', { json: doc.components.examples.Report.value });
  assert.equal(filed.status, 201);

  const q = await as('GET', '/api/v1/staff/cases?queue=all&limit=100');
  assert.equal(q.status, 200);
  assertFits(replySchema('/api/v1/staff/cases', 'get', 200), q.body, 'the queue page');
  assert.ok(q.body.cases.some((c) => c.case === filed.body.case));

  const view = await as('GET', `/api/v1/staff/cases/${filed.body.case}`);
  assert.equal(view.status, 200);
  assertFits(replySchema('/api/v1/staff/cases/{case}', 'get', 200), view.body, 'the staff case view');

  const online = view.body.targets.find((t) => t.kind === 'online');
  const t1 = await as('POST', `/api/v1/staff/targets/${online.id}/transition`, { to: 'in_review' });
  assert.equal(t1.status, 200);
  assertFits(replySchema('/api/v1/staff/targets/{id}/transition', 'post', 200), t1.body, 'the transition');
  const refused = await as('POST', `/api/v1/staff/targets/${online.id}/transition`, { to: 'removed' });
  assert.equal(refused.status, 409);
  assertFits(replySchema('/api/v1/staff/targets/{id}/transition', 'post', 409), refused.body, 'the 409');
  assertFits(doc.components.schemas.TransitionRequest, { to: 'ready', reason: 'r', route: null }, 'a transition request');

  const notice = await as('GET', `/api/v1/staff/targets/${online.id}/notice?lang=en`);
  assert.equal(notice.status, 200);
  assertFits(replySchema('/api/v1/staff/targets/{id}/notice', 'get', 200), notice.body, 'the notice');
  const posted = await as('POST', `/api/v1/staff/targets/${online.id}/notice`, { reason: 'Filmed without consent.' });
  assert.equal(posted.status, 200);
  assertFits(replySchema('/api/v1/staff/targets/{id}/notice', 'post', 200), posted.body, 'the notice with fields');

  const offline = view.body.targets.find((t) => t.kind === 'offline');
  assert.equal((await as('POST', `/api/v1/staff/targets/${offline.id}/transition`, { to: 'in_review' })).status, 200);
  const plan = { to: 'visit_planned', planned_at: '2030-01-02 10:00', place: '上海某公司前台', staff_a: 'admin', staff_b: 'cw1' };
  assertFits(doc.components.schemas.TransitionRequest, plan, 'a visit plan');
  const planned = await as('POST', `/api/v1/staff/targets/${offline.id}/transition`, plan);
  assert.equal(planned.status, 200, JSON.stringify(planned.body));
  const recorded = await as('POST', `/api/v1/staff/targets/${offline.id}/transition`, { ...plan, to: 'visited_deleted', staff_b: 'admin' });
  assert.equal(recorded.status, 200, 'recording the visit: the plan fields are known names');
  const sheet = await as('GET', `/api/v1/staff/targets/${offline.id}/visit-sheet`);
  assert.equal(sheet.status, 200);
  assert.equal(sheet.body.visits.length, 1);
  assertFits(replySchema('/api/v1/staff/targets/{id}/visit-sheet', 'get', 200), sheet.body, 'the visit sheet');

  const reg = await as('GET', '/api/v1/registry');
  assertFits(replySchema('/api/v1/registry', 'get', 200), reg.body, 'the registry');
  // How fast platforms act: the figures (the visit above is an offline outcome), the CSV, a 400.
  const pstats = await as('GET', '/api/v1/stats/platforms');
  assert.equal(pstats.status, 200);
  assertFits(replySchema('/api/v1/stats/platforms', 'get', 200), pstats.body, 'the platform statistics');
  assert.equal(pstats.body.offline.total.visited_deleted, 1);
  const csv = await as('GET', '/api/v1/stats/platforms.csv');
  assert.equal(csv.status, 200);
  assert.ok(doc.paths['/api/v1/stats/platforms.csv'].get.responses['200'].content[csv.headers.get('content-type').split(';')[0]], 'the CSV media type is documented');
  const badPeriod = await as('GET', '/api/v1/stats/platforms?from=2030-02-30');
  assert.equal(badPeriod.status, 400);
  assertFits(replySchema('/api/v1/stats/platforms', 'get', 400), badPeriod.body, 'the 400');
  const audit = await as('GET', '/api/v1/audit?limit=5');
  assertFits(replySchema('/api/v1/audit', 'get', 200), audit.body, 'the audit page');
  const staff = await as('GET', '/api/v1/admin/staff');
  assertFits(replySchema('/api/v1/admin/staff', 'get', 200), staff.body, 'the staff list');
  const inc = await as('POST', '/api/v1/staff/incidents', { label: '同一人多次上传' });
  assert.equal(inc.status, 201);
  const incidents = await as('GET', '/api/v1/staff/incidents');
  assertFits(replySchema('/api/v1/staff/incidents', 'get', 200), incidents.body, 'the incidents');
  await as('POST', `/api/v1/staff/cases/${filed.body.case}/incident`, { incident: inc.body.id });
  const one = await as('GET', `/api/v1/staff/incidents/${inc.body.id}`);
  assertFits(replySchema('/api/v1/staff/incidents/{id}', 'get', 200), one.body, 'the incident');

  const noCsrf = await call('POST', `/api/v1/staff/cases/${filed.body.case}/hold`, { cookie: sig.cookie, json: { hold: true } });
  assert.equal(noCsrf.status, 403);
  assertFits(replySchema('/api/v1/staff/cases/{case}/hold', 'post', 403), noCsrf.body, 'the 403');
  assert.equal(noCsrf.body.error.code, 'csrf');

  const health = await call('GET', '/healthz');
  assertFits(replySchema('/healthz', 'get', 200), health.body, 'healthz');
});
