// Issue 13, items 11 and 13 over real HTTP: admins manage staff (pages and API) through the same
// key code as takedownctl (a new member can open cases, a disabled one cannot sign in, a reset
// password replaces the old), caseworkers and auditors cannot reach it; a caseworker records a
// request on someone's behalf (API and page) through the same validator, the receipt is shown
// once, never stored nor logged, the audit names who entered it, and the person follows it up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, initStaff, call as callAs, dataFiles } from './lib.mjs';

let srv, dir, pw;
let xffN = 0;
const xff = () => `10.13.${Math.floor(++xffN / 200)}.${xffN % 200 + 1}`;

// One call (lib.mjs) from a fresh address; session signs it (its cookie, and its CSRF token on
// an unsafe call, also in a form, unless csrf is false); cookies adds more cookies.
const call = (method, p, opts = {}) => {
  const { session, csrf, cookies, form, ...rest } = opts;
  const signed = session && csrf !== false;
  return callAs(srv.base, method, p, {
    ...rest,
    xff: xff(),
    cookie: session?.cookie,
    jar: cookies,
    csrf: signed && method !== 'GET' ? session.csrf : undefined,
    form: form && signed ? { ...form, csrf: session.csrf } : form,
  });
};

async function signIn(login, password) {
  const r = await call('POST', '/api/v1/staff/session', { json: { login, password } });
  if (r.status !== 200) return { status: r.status };
  return { status: 200, cookie: r.cookies.td_session, csrf: r.body.csrf };
}

function report(extra = {}) {
  return {
    language: 'zh-CN',
    requester: { role: 'self', name: 'Name-' + randomBytes(4).toString('hex'), contact: { channel: 'phone', value: '+86 139 0000 1234' } },
    incident: { type: 'crime', place: 'Place-' + randomBytes(4).toString('hex') },
    description: 'Desc-' + randomBytes(4).toString('hex'),
    consent: { share_identity_with_platform: false, preservation: 'none' },
    good_faith: true,
    signature: 'Sig',
    targets: [{ kind: 'online', url: 'https://www.douyin.com/video/73' + Date.now() }, { kind: 'offline', holder: 'Shop CCTV', where: 'corner' }],
    ...extra,
  };
}

// The receipt in any spelling (grouped, digits only, dashed) is in no file of the data dir and
// nowhere in the server's log.
function assertReceiptNowhere(receipt) {
  const digits = receipt.replace(/\D/g, '');
  assert.equal(digits.length, 20);
  const forms = [receipt, digits, receipt.replace(/ /g, '-')];
  for (const f of dataFiles(dir))
    for (const form of forms)
      assert.equal(f.bytes.indexOf(Buffer.from(form)), -1, `receipt found in ${path.relative(dir, f.p)}`);
  for (const form of forms) assert.ok(!srv.log().includes(form), 'receipt in the server log');
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-intake-', [['cw1', 'caseworker'], ['aud1', 'auditor'], ['admin2', 'admin']]));
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
});

after(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---- item 11: staff management ----

test('a caseworker and an auditor cannot reach staff management (pages or API)', async () => {
  for (const login of ['cw1', 'aud1']) {
    const s = await signIn(login, pw[login]);
    assert.equal(s.status, 200);
    for (const [m, p, o] of [
      ['GET', '/staff/people', {}],
      ['POST', '/staff/people', { form: { login: 'evil1', role: 'admin', admin_password: pw[login] } }],
      ['GET', '/staff/people/cw1/disable', {}],
      ['POST', '/staff/people/admin/disable', { form: { admin_password: pw[login] } }],
      ['GET', '/staff/people/admin/reset', {}],
      ['POST', '/staff/people/admin/reset', { form: {} }],
      ['POST', '/staff/people/totp', { form: { require_totp: 'on' } }],
      ['POST', '/api/v1/admin/staff', { json: { login: 'evil2', role: 'admin', admin_password: pw[login] } }],
      ['POST', '/api/v1/admin/staff/admin/disable', { json: { admin_password: pw[login] } }],
    ]) {
      const r = await call(m, p, { ...o, session: s });
      assert.equal(r.status, 403, `${login} ${m} ${p}`);
    }
    const home = await call('GET', login === 'cw1' ? '/staff/incidents' : '/staff/stats', { session: s });
    assert.equal(home.status, 200);
    assert.ok(!home.text.includes('href="/staff/people"'), 'no staff link in the nav of a non-admin');
  }
  // Nobody was added.
  const a = await signIn('admin', pw.admin);
  const list = await call('GET', '/api/v1/admin/staff', { session: a });
  assert.deepEqual(list.body.staff.map((s) => s.login).sort(), ['admin', 'admin2', 'aud1', 'cw1']);
  // Signed out: the sign-in page, not the list.
  const anon = await call('GET', '/staff/people');
  assert.notEqual(anon.status, 200);
});

test('the people page lists staff; adding shows a one-time password that opens cases', async () => {
  const a = await signIn('admin', pw.admin);
  const page = await call('GET', '/staff/people', { session: a });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('cache-control'), /no-store/);
  for (const login of ['admin', 'cw1', 'aud1', 'admin2']) assert.match(page.text, new RegExp(`id="person-${login}"`));
  assert.ok(page.text.includes('href="/staff/people/cw1/disable"'));
  assert.ok(!page.text.includes('href="/staff/people/admin/disable"'), 'no disable of oneself');

  // Without the CSRF token: refused, nothing added.
  const noCsrf = await call('POST', '/staff/people', { session: a, csrf: false, form: { login: 'new1', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(noCsrf.status, 403);
  // Wrong own password: 403, the login kept, nothing added.
  const wrong = await call('POST', '/staff/people', { session: a, form: { login: 'new1', role: 'caseworker', admin_password: 'not-my-password' } });
  assert.equal(wrong.status, 403);
  assert.match(wrong.text, /value="new1"/);
  assert.match(wrong.text, /id="add-admin-password"[^>]*aria-invalid="true"/);
  // A bad login and a taken one.
  const bad = await call('POST', '/staff/people', { session: a, form: { login: 'New 1', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(bad.status, 422);
  const taken = await call('POST', '/staff/people', { session: a, form: { login: 'cw1', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(taken.status, 409);
  const none = await call('GET', '/api/v1/admin/staff', { session: a });
  assert.ok(!none.body.staff.some((s) => s.login === 'new1'));

  const ok = await call('POST', '/staff/people', { session: a, form: { login: 'new1', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('cache-control'), /no-store/);
  const m = /id="new-password">([^<]+)</.exec(ok.text);
  assert.ok(m, 'the password is on the page');
  const newPw = m[1];
  assert.match(newPw, /^[0-9a-f]{4}(-[0-9a-f]{4}){5}$/);
  assert.ok(!srv.log().includes(newPw), 'the new password is not logged');

  // The org key was sealed to the new account: it opens a case filed before it existed.
  const filed = await call('POST', '/api/v1/cases', { json: report() });
  assert.equal(filed.status, 201);
  const s = await signIn('new1', newPw);
  assert.equal(s.status, 200);
  const c = await call('GET', `/api/v1/staff/cases/${filed.body.case}`, { session: s });
  assert.equal(c.status, 200, c.text);
  assert.ok(JSON.stringify(c.body).includes('Shop CCTV'), 'the new member reads the case');

  const audit = await call('GET', '/api/v1/audit?limit=50', { session: a });
  assert.ok(audit.body.entries.some((e) => e.action === 'staff.add' && e.subject === 'new1' && e.actor === 'staff:admin'));
});

test('reset shows a new password once; the old stops working; confirmation first', async () => {
  const a = await signIn('admin', pw.admin);
  const add = await call('POST', '/api/v1/admin/staff', { session: a, json: { login: 'new2', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(add.status, 201);
  assert.equal(add.body.login, 'new2');
  const first = add.body.password;
  assert.equal((await signIn('new2', first)).status, 200);

  const confirm = await call('GET', '/staff/people/new2/reset', { session: a });
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /action="\/staff\/people\/new2\/reset"/);
  const r = await call('POST', '/staff/people/new2/reset', { session: a, form: {} });
  assert.equal(r.status, 200);
  const second = /id="new-password">([^<]+)</.exec(r.text)[1];
  assert.notEqual(second, first);
  assert.equal((await signIn('new2', first)).status, 401);
  assert.equal((await signIn('new2', second)).status, 200);
  const missing = await call('GET', '/staff/people/nobody/reset', { session: a });
  assert.equal(missing.status, 404);
});

test('disable asks for confirmation and the admin password; the member loses the key at once', async () => {
  const a = await signIn('admin', pw.admin);
  const add = await call('POST', '/api/v1/admin/staff', { session: a, json: { login: 'leaver', role: 'caseworker', admin_password: pw.admin } });
  assert.equal(add.status, 201);
  const s = await signIn('leaver', add.body.password);
  assert.equal(s.status, 200);

  const confirm = await call('GET', '/staff/people/leaver/disable', { session: a });
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /name="admin_password"/);
  const empty = await call('POST', '/staff/people/leaver/disable', { session: a, form: { admin_password: '' } });
  assert.equal(empty.status, 422);
  assert.match(empty.text, /id="confirm-admin-password"[^>]*aria-invalid="true"/);
  const emptyAdd = await call('POST', '/staff/people', { session: a, form: { login: 'new9', role: 'caseworker' } });
  assert.equal(emptyAdd.status, 422);
  const wrong = await call('POST', '/staff/people/leaver/disable', { session: a, form: { admin_password: 'wrong-password' } });
  assert.equal(wrong.status, 403);
  assert.equal((await call('GET', '/api/v1/staff/me', { session: s })).status, 200, 'still active');

  const ok = await call('POST', '/staff/people/leaver/disable', { session: a, form: { admin_password: pw.admin } });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/staff/people?done=disabled&who=leaver');
  assert.equal((await call('GET', '/api/v1/staff/me', { session: s })).status, 401, 'its session ended');
  assert.equal((await signIn('leaver', add.body.password)).status, 401);
  const list = await call('GET', '/api/v1/admin/staff', { session: a });
  assert.equal(list.body.staff.find((x) => x.login === 'leaver').disabled, true);
  const page = await call('GET', '/staff/people?done=disabled&who=leaver', { session: a });
  assert.match(page.text, /role="status"/);
  assert.ok(!page.text.includes('href="/staff/people/leaver/disable"'));
  // A disabled account is not given keys again by a reset.
  const reset = await call('POST', '/staff/people/leaver/reset', { session: a, form: {} });
  assert.equal(reset.status, 409);

  // The API does the same; the last admin stays.
  const add2 = await call('POST', '/api/v1/admin/staff', { session: a, json: { login: 'leaver2', role: 'auditor', admin_password: pw.admin } });
  assert.equal(add2.status, 201);
  const noPw = await call('POST', '/api/v1/admin/staff/leaver2/disable', { session: a, json: {} });
  assert.equal(noPw.status, 422);
  const d = await call('POST', '/api/v1/admin/staff/leaver2/disable', { session: a, json: { admin_password: pw.admin } });
  assert.equal(d.status, 200);
  assert.equal((await signIn('leaver2', add2.body.password)).status, 401);
});

// ---- item 13: intake on someone's behalf ----

test('API on-behalf intake: same validator, channel and consent required, receipt once and follow-up', async () => {
  const cw = await signIn('cw1', pw.cw1);
  const missing = await call('POST', '/api/v1/staff/intake', { session: cw, json: report() });
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.body.errors.map((e) => e.field).sort(), ['channel', 'consent_recorded']);
  const web = await call('POST', '/api/v1/staff/intake', { session: cw, json: report({ channel: 'web', consent_recorded: 'yes' }) });
  assert.equal(web.status, 422);
  assert.deepEqual(web.body.errors.map((e) => `${e.field}:${e.code}`).sort(), ['channel:invalid', 'consent_recorded:invalid']);
  // The public form's rules hold: no target, no good faith.
  const invalid = await call('POST', '/api/v1/staff/intake', { session: cw, json: report({ channel: 'hotline', consent_recorded: 'phone', targets: [], good_faith: false }) });
  assert.equal(invalid.status, 422);
  assert.ok(invalid.body.errors.some((e) => e.field === 'good_faith'));
  assert.ok(invalid.body.errors.some((e) => e.field === 'targets'));
  // Without a session or the CSRF token: refused. An auditor: refused.
  assert.equal((await call('POST', '/api/v1/staff/intake', { json: report({ channel: 'hotline', consent_recorded: 'phone' }) })).status, 401);
  assert.equal((await call('POST', '/api/v1/staff/intake', { session: cw, csrf: false, json: report({ channel: 'hotline', consent_recorded: 'phone' }) })).status, 403);
  const aud = await signIn('aud1', pw.aud1);
  assert.equal((await call('POST', '/api/v1/staff/intake', { session: aud, json: report({ channel: 'hotline', consent_recorded: 'phone' }) })).status, 403);

  const rep = report({ channel: 'police', consent_recorded: 'writing' });
  const ok = await call('POST', '/api/v1/staff/intake', { session: cw, json: rep });
  assert.equal(ok.status, 201, ok.text);
  assert.match(ok.body.receipt, /^\d{4}( \d{4}){4}$/);
  assert.equal(ok.body.channel, 'police');
  assert.equal(ok.cookies.td_session, undefined, 'no victim session for the caseworker');

  // The case lives like any other: in the queue, with its channel, readable by staff.
  const c = await call('GET', `/api/v1/staff/cases/${ok.body.case}`, { session: cw });
  assert.equal(c.status, 200);
  assert.equal(c.body.channel ?? c.body.case?.channel, 'police');
  assert.ok(JSON.stringify(c.body).includes(rep.description));
  assert.deepEqual(c.body.request.on_behalf, { consent: 'writing', entered_by: 'cw1' });
  const casePage = await call('GET', `/staff/cases/${ok.body.case}`, { session: cw });
  assert.match(casePage.text, /id="on-behalf">[^<]*cw1/);
  const q = await call('GET', '/api/v1/staff/cases?queue=new&limit=100', { session: cw });
  assert.ok(q.body.cases.some((x) => (x.case || x.id) === ok.body.case), 'in the new queue');

  // The audit names who entered it and how; never the receipt.
  const admin = await signIn('admin', pw.admin);
  const audit = await call('GET', '/api/v1/audit?limit=50', { session: admin });
  const row = audit.body.entries.find((e) => e.subject === ok.body.case && e.action.startsWith('case.report'));
  assert.equal(row.actor, 'staff:cw1');
  assert.equal(row.action, 'case.report_on_behalf');
  assert.equal(row.detail, 'channel=police consent=writing');

  // The person follows it up with the receipt.
  const v = await call('POST', '/api/v1/receipt/session', { json: { receipt: ok.body.receipt } });
  assert.equal(v.status, 200);
  const my = await call('GET', '/api/v1/my/case', { cookies: 'td_session=' + v.cookies.td_session });
  assert.equal(my.status, 200);
  assert.equal(my.body.case, ok.body.case);
  assert.equal(my.body.targets.length, 2);
  assert.ok(!JSON.stringify(my.body).includes('cw1'), 'the person does not see who entered it');
  assert.ok(!JSON.stringify(my.body).includes('on_behalf'));

  assertReceiptNowhere(ok.body.receipt);
});

test('page on-behalf intake: consent checkbox required, values kept, receipt shown once and never stored', async () => {
  const cw = await signIn('cw1', pw.cw1);
  const form = await call('GET', '/staff/intake', { session: cw });
  assert.equal(form.status, 200);
  assert.match(form.text, /name="consent_confirmed"/);
  const fields = {
    channel: 'walk_in', consent_recorded: 'in_person', language: 'zh-CN', 'requester.role': 'self',
    'requester.name': 'Walkin-' + randomBytes(3).toString('hex'), 'requester.contact.channel': 'none',
    'incident.type': 'intimate', description: 'Page-' + randomBytes(4).toString('hex'),
    'targets[0].kind': 'online', 'targets[0].url': 'https://weibo.com/1234567890/AbCdEf' + xffN,
    'targets[1].kind': 'online', 'targets[1].url': '',
    'targets[3].kind': 'offline', 'targets[3].holder': '', 'targets[3].where': '',
    'consent.preservation': 'none', good_faith: 'yes', signature: 'Sig',
  };
  // Consent not ticked: 422, the typed values kept, the checkbox marked.
  const no = await call('POST', '/staff/intake', { session: cw, form: fields });
  assert.equal(no.status, 422);
  assert.ok(no.text.includes(fields.description));
  assert.match(no.text, /id="f-consent_confirmed"[^>]*aria-invalid="true"/);
  assert.match(no.text, /href="#f-consent_confirmed"/);

  const ok = await call('POST', '/staff/intake', { session: cw, form: { ...fields, consent_confirmed: 'yes' } });
  assert.equal(ok.status, 303, ok.text.slice(0, 300));
  const loc = ok.headers.get('location');
  assert.match(loc, /^\/staff\/intake\/receipt\?case=[0-9a-f]+$/);
  const caseId = loc.split('=')[1];
  const once = { value: ok.cookies.td_intake_receipt, raw: ok.setCookies.td_intake_receipt };
  assert.match(once.raw, /Path=\/staff\/intake\/receipt/);
  assert.match(once.raw, /HttpOnly/);

  const shown = await call('GET', loc, { session: cw, cookies: 'td_intake_receipt=' + once.value });
  assert.equal(shown.status, 201);
  assert.match(shown.headers.get('cache-control'), /no-store/);
  const receipt = /id="intake-receipt">([^<]+)</.exec(shown.text)[1];
  assert.match(receipt, /^\d{4}( \d{4}){4}$/);
  assert.ok(shown.text.includes(`href="/staff/cases/${caseId}"`));
  // Once: the same cookie again shows no receipt.
  const again = await call('GET', loc, { session: cw, cookies: 'td_intake_receipt=' + once.value });
  assert.equal(again.status, 200);
  assert.ok(!again.text.includes(receipt));

  const v = await call('POST', '/api/v1/receipt/session', { json: { receipt } });
  assert.equal(v.status, 200);
  const my = await call('GET', '/api/v1/my/case', { cookies: 'td_session=' + v.cookies.td_session });
  assert.equal(my.body.case, caseId);
  const admin = await signIn('admin', pw.admin);
  const audit = await call('GET', '/api/v1/audit?limit=50', { session: admin });
  const row = audit.body.entries.find((e) => e.subject === caseId && e.action.startsWith('case.report'));
  assert.equal(row.actor, 'staff:cw1');
  assert.equal(row.detail, 'channel=walk_in consent=in_person');
  assertReceiptNowhere(receipt);
});

// Last: once required, every session must enrol before anything else.
test('require one-time codes from the people page', async () => {
  const a = await signIn('admin', pw.admin);
  const page = await call('GET', '/staff/people', { session: a });
  assert.match(page.text, /id="require-totp">/, 'not required yet');
  const noCsrf = await call('POST', '/staff/people/totp', { session: a, csrf: false, form: { require_totp: 'on' } });
  assert.equal(noCsrf.status, 403);
  const on = await call('POST', '/staff/people/totp', { session: a, form: { require_totp: 'on' } });
  assert.equal(on.status, 303);
  assert.equal(on.headers.get('location'), '/staff/people?done=totp_on#totp');
  const r = await call('POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(r.body.totp_enrolment_required, true, 'a new sign-in must enrol');
});
