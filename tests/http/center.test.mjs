// Issue 13, the center's incident ledger over real HTTP: after a major incident the center opens
// its own case before anyone asks (the incident, the copies its patrol found online, the holders
// near the scene), with no requester and no receipt; staff add copies as they find them; a
// victim's own request is attached to the same incident later, and each victim sees only their
// own case: nothing of the center's case, nothing of another victim's contact details or copies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, initStaff, call as callAs, dataFiles } from './lib.mjs';

let srv, dir, pw;
let xffN = 0;
const xff = () => `10.14.${Math.floor(++xffN / 200)}.${xffN % 200 + 1}`;
const mark = (what) => `${what}-${randomBytes(5).toString('hex')}`;

// One call (lib.mjs) from a fresh address; session signs it (its cookie, and its CSRF token on an
// unsafe call, also in a form).
const call = (method, p, opts = {}) => {
  const { session, form, ...rest } = opts;
  return callAs(srv.base, method, p, {
    ...rest,
    xff: xff(),
    cookie: session ? session.cookie : rest.cookie,
    csrf: session && method !== 'GET' ? session.csrf : rest.csrf,
    form: form && session ? { ...form, csrf: session.csrf } : form,
  });
};

const sessions = {};
async function as(login) {
  if (sessions[login]) return sessions[login];
  const r = await call('POST', '/api/v1/staff/session', { json: { login, password: pw[login] } });
  assert.equal(r.status, 200, `${login} signs in`);
  return (sessions[login] = { cookie: r.cookies.td_session, csrf: r.body.csrf });
}

async function incident() {
  const r = await call('POST', '/api/v1/staff/incidents', { session: await as('cw1'), json: { label: mark('Incident') } });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// What the center records: unique words in every free-text field, to look for where they must not be.
function ledger() {
  return {
    incident: { type: 'crime', place: mark('Place'), date: '2026-11-30' },
    description: mark('Patrol description'),
    targets: [
      { kind: 'online', url: `https://www.douyin.com/video/${Date.now()}${xffN}` },
      { kind: 'offline', holder: mark('Shop CCTV'), where: mark('Corner') },
    ],
  };
}

// A victim's own report; returns {caseId, receipt, name, phone, url, session}.
async function victimReport() {
  const name = mark('Victim name');
  const phone = `+86 139 ${String(1000 + (xffN % 9000)).padStart(4, '0')} ${String(Date.now()).slice(-4)}`;
  const url = `https://weibo.com/u/${Date.now()}${++xffN}`;
  const r = await call('POST', '/api/v1/cases', {
    json: {
      language: 'zh-CN',
      requester: { role: 'self', name, contact: { channel: 'phone', value: phone } },
      incident: { type: 'crime' },
      good_faith: true,
      signature: 'Sig',
      targets: [{ kind: 'online', url }],
    },
  });
  assert.equal(r.status, 201, r.text);
  const s = await call('POST', '/api/v1/receipt/session', { json: { receipt: r.body.receipt } });
  assert.equal(s.status, 200);
  return { caseId: r.body.case, name, phone, url, session: { cookie: s.cookies.td_session, csrf: s.body.csrf } };
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-center-', [['cw1', 'caseworker'], ['aud1', 'auditor']]));
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
});

after(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the center opens its own case for an incident: no requester, no receipt, one per incident, audited', async () => {
  const cw = await as('cw1');
  const id = await incident();
  const rec = ledger();
  const r = await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: cw, json: rec });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['case', 'incident'], 'no receipt in the answer');
  assert.equal(r.body.incident, id);
  const c = await call('GET', `/api/v1/staff/cases/${r.body.case}`, { session: cw });
  assert.equal(c.status, 200);
  assert.equal(c.body.channel, 'center');
  assert.equal(c.body.requester_role, 'center');
  assert.equal(c.body.incident, id);
  assert.equal(c.body.request.requester.contact.channel, 'none', 'nobody to contact');
  assert.equal(c.body.request.description, rec.description);
  assert.deepEqual(c.body.targets.map((t) => t.kind), ['online', 'offline']);
  assert.equal(c.body.targets[1].body.holder, rec.targets[1].holder);
  const reported = c.body.timeline.filter((e) => e.kind === 'target.reported' || e.kind === 'case.reported');
  assert.equal(reported.length, 3);
  assert.ok(reported.every((e) => e.actor === 'staff:cw1'), 'the timeline names who put it on record');
  // The holder near the scene is a copy for a two-person visit like any other: its visit sheet.
  const sheet = await call('GET', `/staff/targets/${c.body.targets[1].id}/visit-sheet`, { session: cw });
  assert.equal(sheet.status, 200);
  assert.ok(sheet.text.includes(rec.targets[1].holder));

  const iv = await call('GET', `/api/v1/staff/incidents/${id}`, { session: cw });
  assert.equal(iv.body.center_case, r.body.case);
  assert.deepEqual(iv.body.cases, [r.body.case]);
  const q = await call('GET', `/api/v1/staff/cases?queue=all&incident=${id}&limit=10`, { session: cw });
  assert.ok(q.body.cases.some((x) => (x.case || x.id) === r.body.case), 'in the queue');

  const again = await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: cw, json: ledger() });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'center_case_exists');
  assert.equal((await call('POST', '/api/v1/staff/incidents/999999/case', { session: cw, json: ledger() })).status, 404);

  const audit = await call('GET', '/api/v1/audit?limit=50', { session: await as('admin') });
  const row = audit.body.entries.find((e) => e.subject === r.body.case && e.action === 'case.center_open');
  assert.ok(row, 'audited');
  assert.equal(row.actor, 'staff:cw1');
  assert.equal(row.detail, `incident ${id}`);

  // Encrypted like any case: none of what the center typed is in a file of the data directory.
  for (const f of dataFiles(dir))
    for (const word of [rec.description, rec.incident.place, rec.targets[1].holder, rec.targets[1].where])
      assert.equal(f.bytes.indexOf(Buffer.from(word)), -1, `found in ${path.relative(dir, f.p)}`);
});

test('the center case is checked as a report is: every problem named, nothing filed', async () => {
  const cw = await as('cw1');
  const id = await incident();
  const bad = await call('POST', `/api/v1/staff/incidents/${id}/case`, {
    session: cw,
    json: { incident: { type: 'nonsense' }, targets: [{ kind: 'online', url: 'ftp://x' }, { kind: 'offline', holder: '' }] },
  });
  assert.equal(bad.status, 422, bad.text);
  const fields = bad.body.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['incident.type', 'targets[0].url', 'targets[1].holder', 'targets[1].where'].sort());
  const none = await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: cw, json: { incident: { type: 'crime' } } });
  assert.equal(none.status, 422);
  assert.equal(none.body.errors[0].field, 'targets');
  assert.equal((await call('GET', `/api/v1/staff/incidents/${id}`, { session: cw })).body.center_case, undefined, 'nothing filed');
  // An auditor cannot open cases, nor add copies.
  const aud = await as('aud1');
  assert.equal((await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: aud, json: ledger() })).status, 403);
});

test('staff add copies they find, to the center case or a victim\'s: timeline names them; at most 50 a case; a withdrawn case takes none', async () => {
  const cw = await as('cw1');
  const id = await incident();
  const center = (await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: cw, json: ledger() })).body.case;
  const url = `https://www.kuaishou.com/short-video/${Date.now()}`;
  const add = await call('POST', `/api/v1/staff/cases/${center}/targets`, { session: cw, json: { targets: [{ kind: 'online', url }] } });
  assert.equal(add.status, 201, add.text);
  assert.deepEqual(add.body, { added: 1 });
  const c = await call('GET', `/api/v1/staff/cases/${center}`, { session: cw });
  assert.equal(c.body.targets.length, 3);
  assert.equal(c.body.targets[2].body.url, url);
  assert.equal(c.body.targets[2].platform, 'kuaishou');
  assert.ok(c.body.timeline.some((e) => e.target === c.body.targets[2].id && e.actor === 'staff:cw1' && e.kind === 'target.reported'), 'the timeline names who added it');

  // 50 copies in all: the 47 that fill it pass, one more is refused.
  const fill = Array.from({ length: 47 }, (_, i) => ({ kind: 'offline', holder: `Holder ${i}`, where: 'Street' }));
  assert.equal((await call('POST', `/api/v1/staff/cases/${center}/targets`, { session: cw, json: { targets: fill } })).status, 201);
  const over = await call('POST', `/api/v1/staff/cases/${center}/targets`, { session: cw, json: { targets: [{ kind: 'offline', holder: 'One more', where: 'x' }] } });
  assert.equal(over.status, 422);
  assert.equal(over.body.error.field, 'targets');

  const bad = await call('POST', `/api/v1/staff/cases/${center}/targets`, { session: cw, json: { targets: [{ kind: 'online', url: 'not a link' }] } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].field, 'targets[0].url');
  assert.equal((await call('POST', '/api/v1/staff/cases/00000000000000000000/targets', { session: cw, json: { targets: [{ kind: 'online', url }] } })).status, 404);
  assert.equal((await call('POST', `/api/v1/staff/cases/${center}/targets`, { session: await as('aud1'), json: { targets: [{ kind: 'online', url }] } })).status, 403);

  // A victim's case: staff may add what they found; once withdrawn, nothing more.
  const v = await victimReport();
  assert.equal((await call('POST', `/api/v1/staff/cases/${v.caseId}/targets`, { session: cw, json: { targets: [{ kind: 'online', url: url + '1' }] } })).status, 201);
  const w = await call('POST', '/api/v1/my/withdraw', { cookie: v.session.cookie, csrf: v.session.csrf, json: {} });
  assert.equal(w.status, 200, w.text);
  const late = await call('POST', `/api/v1/staff/cases/${v.caseId}/targets`, { session: cw, json: { targets: [{ kind: 'online', url: url + '2' }] } });
  assert.equal(late.status, 409);
  assert.equal(late.body.error.code, 'withdrawn');
});

test('victims attached to the center\'s incident see only their own case: nothing of the center\'s, nothing of each other', async () => {
  const cw = await as('cw1');
  const id = await incident();
  const rec = ledger();
  const center = (await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: cw, json: rec })).body.case;
  const a = await victimReport();
  const b = await victimReport();
  for (const v of [a, b])
    assert.equal((await call('POST', `/api/v1/staff/cases/${v.caseId}/incident`, { session: cw, json: { incident: id } })).status, 200);
  const iv = await call('GET', `/api/v1/staff/incidents/${id}`, { session: cw });
  assert.deepEqual(new Set(iv.body.cases), new Set([center, a.caseId, b.caseId]), 'staff see the whole incident');

  for (const [me, other] of [[a, b], [b, a]]) {
    const my = await call('GET', '/api/v1/my/case', { cookie: me.session.cookie });
    assert.equal(my.status, 200);
    assert.equal(my.body.case, me.caseId);
    assert.equal(my.body.targets.length, 1, 'only their own copy');
    assert.ok(my.body.targets[0].label.endsWith(me.url.split('/').pop()));
    const page = await call('GET', '/my', { cookie: me.session.cookie });
    assert.equal(page.status, 200);
    for (const text of [JSON.stringify(my.body), page.text]) {
      for (const secret of [center, rec.description, rec.incident.place, rec.targets[0].url, rec.targets[1].holder,
        other.caseId, other.name, other.phone, other.url])
        assert.ok(!text.includes(secret), 'a victim sees something not theirs');
    }
  }
});

test('a colleague opens the center case while the form is being filled in: what was typed is kept, and goes to that case', async () => {
  const cw = await as('cw1');
  const id = await incident();
  assert.equal((await call('GET', `/staff/incidents/${id}/case`, { session: cw })).status, 200);
  const theirs = await call('POST', `/api/v1/staff/incidents/${id}/case`, { session: await as('admin'), json: ledger() });
  assert.equal(theirs.status, 201);
  const url = `https://www.douyin.com/video/${Date.now()}9`;
  const mine = await call('POST', `/staff/incidents/${id}/case`, {
    session: cw,
    form: { 'incident.type': 'crime', 'targets[0].kind': 'online', 'targets[0].url': url },
  });
  assert.equal(mine.status, 409);
  assert.match(mine.text, /id="center-exists"/);
  assert.ok(mine.text.includes(`value="${url}"`), 'what was typed is kept');
  assert.ok(mine.text.includes(`action="/staff/cases/${theirs.body.case}/targets"`), 'the form now adds to that case');
  const added = await call('POST', `/staff/cases/${theirs.body.case}/targets`, { session: cw, form: { 'targets[0].kind': 'online', 'targets[0].url': url } });
  assert.equal(added.status, 303);
  const c = await call('GET', `/api/v1/staff/cases/${theirs.body.case}`, { session: cw });
  assert.ok(c.body.targets.some((t) => t.body.url === url));
});

test('pages, without JavaScript: open the center case from the incident, errors keep what was typed, then add a copy from the case page', async () => {
  const cw = await as('cw1');
  const id = await incident();
  const inc = await call('GET', `/staff/incidents/${id}`, { session: cw });
  assert.equal(inc.status, 200);
  assert.match(inc.text, new RegExp(`href="/staff/incidents/${id}/case" id="open-center-case"`));
  const form = await call('GET', `/staff/incidents/${id}/case`, { session: cw });
  assert.equal(form.status, 200);
  assert.match(form.text, /name="incident.type"/);
  assert.ok(!form.text.includes('requester.'), 'no requester fields');

  const place = mark('Place');
  const bad = await call('POST', `/staff/incidents/${id}/case`, {
    session: cw,
    form: { 'incident.type': 'crime', 'incident.place': place, 'targets[0].kind': 'online', 'targets[0].url': 'nope' },
  });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /href="#f-targets_0_url"/, 'the summary links to the field');
  assert.ok(bad.text.includes(`value="${place}"`), 'what was typed is kept');

  const url = `https://www.douyin.com/video/${Date.now()}7`;
  const ok = await call('POST', `/staff/incidents/${id}/case`, {
    session: cw,
    form: { 'incident.type': 'crime', 'incident.place': place, 'targets[0].kind': 'online', 'targets[0].url': url, 'targets[3].kind': 'offline', 'targets[3].holder': '', 'targets[3].where': '' },
  });
  assert.equal(ok.status, 303, ok.text);
  const caseId = /\/staff\/cases\/([0-9a-f]{20})$/.exec(ok.headers.get('location'))[1];
  const page = await call('GET', `/staff/cases/${caseId}`, { session: cw });
  assert.match(page.text, /id="center-held"/);
  assert.ok(!page.text.includes('id="messages"'), 'no messages to a requester who is not there');
  assert.match(page.text, new RegExp(`href="/staff/cases/${caseId}/targets" id="add-targets"`));
  // The form is for opening it once: afterwards it leads to the case.
  const again = await call('GET', `/staff/incidents/${id}/case`, { session: cw });
  assert.equal(again.status, 303);
  assert.equal(again.headers.get('location'), `/staff/cases/${caseId}`);
  assert.match((await call('GET', `/staff/incidents/${id}`, { session: cw })).text, new RegExp(`id="center-case">[^]*${caseId}`));

  const addForm = await call('GET', `/staff/cases/${caseId}/targets`, { session: cw });
  assert.equal(addForm.status, 200);
  const holder = mark('Holder');
  const noWhere = await call('POST', `/staff/cases/${caseId}/targets`, { session: cw, form: { 'targets[0].kind': 'offline', 'targets[0].holder': holder } });
  assert.equal(noWhere.status, 422);
  assert.match(noWhere.text, /href="#f-targets_0_where"/);
  assert.ok(noWhere.text.includes(`value="${holder}"`));
  const added = await call('POST', `/staff/cases/${caseId}/targets`, { session: cw, form: { 'targets[0].kind': 'offline', 'targets[0].holder': holder, 'targets[0].where': 'Gate 2' } });
  assert.equal(added.status, 303);
  assert.equal(added.headers.get('location'), `/staff/cases/${caseId}#targets`);
  assert.ok((await call('GET', `/staff/cases/${caseId}`, { session: cw })).text.includes(holder));
  // Another language: the same pages, in English.
  const en = await call('GET', `/staff/incidents/${id}`, { session: cw, headers: { 'Accept-Language': 'en' } });
  assert.match(en.text, /The center(&#39;|')s own case/);
});

test('the center case stays with its incident: it cannot be moved to another (which would then hold two) nor taken off', async () => {
  const cw = await as('cw1');
  const a = await incident();
  const b = await incident();
  const ca = (await call('POST', `/api/v1/staff/incidents/${a}/case`, { session: cw, json: ledger() })).body.case;
  const cb = (await call('POST', `/api/v1/staff/incidents/${b}/case`, { session: cw, json: ledger() })).body.case;
  for (const [to, what] of [[b, 'to an incident with its own center case'], [null, 'off its incident']]) {
    const move = await call('POST', `/api/v1/staff/cases/${ca}/incident`, { session: cw, json: { incident: to } });
    assert.equal(move.status, 422, `${what}: ${move.text}`);
    assert.equal(move.body.error.field, 'incident');
  }
  const page = await call('POST', `/staff/cases/${ca}/incident`, { session: cw, form: { incident: String(b) } });
  assert.equal(page.status, 422, 'the page form too');
  assert.match(page.text, /id="center-held"/, 'the case page again, saying why');
  const ib = await call('GET', `/api/v1/staff/incidents/${b}`, { session: cw });
  assert.deepEqual(ib.body.cases, [cb], 'the other incident keeps its one center case');
  assert.equal(ib.body.center_case, cb);
  assert.equal((await call('GET', `/api/v1/staff/incidents/${a}`, { session: cw })).body.center_case, ca);
  assert.equal((await call('POST', `/api/v1/staff/cases/${ca}/incident`, { session: cw, json: { incident: a } })).status, 200, 'its own incident again is no change');
});
