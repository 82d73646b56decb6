// Issue 15, notifications through an outbox: a victim who asked to be told of news gets one
// content-free message of constant size, only inside their safe hours, never after "do not
// contact"; the relay's refusal is retried after a wait; a stop in the middle of a send leads to
// exactly one message after the restart; without any staff at work (no org key) news waits.
// Against a local SMTP relay with STARTTLS and the test's own certificate; the clock is the
// service's injected one, so nothing here depends on the machine's speed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, initStaff, tempDir, call, ctl, I18N, htmlEscape, storeFiles, scanReadStore } from './lib.mjs';
import { startSink, header, messageId, bodyOf, subjectOf, encodedWords } from './smtp_sink.mjs';

let srv, dir, pw, sink, args, cw;
const cases = {};

const tick = () => call(srv.base, 'POST', '/debug/tick', { json: {} });
const shift = async (seconds) => (await call(srv.base, 'POST', `/debug/clock?seconds=${seconds}`, { json: {} })).body.now;

// Moves the injected clock forward to the next hh:mm UTC (the service runs with TZ=UTC).
async function clockTo(hh, mm) {
  const now = await shift(0);
  const day = now - (now % 86400);
  let at = day + hh * 3600 + mm * 60;
  if (at <= now) at += 86400;
  await shift(at - now);
}

async function signIn() {
  const r = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(r.status, 200, r.text);
  cw = { cookie: r.cookies.td_session, csrf: r.body.csrf };
  // A caseworker at work: their requests keep the org key in reach of the background worker.
  assert.equal((await call(srv.base, 'GET', '/api/v1/staff/cases?queue=all', { cookie: cw.cookie })).status, 200);
}

// A caseworker's message to the victim: news.
async function writeTo(caseId) {
  const r = await call(srv.base, 'POST', `/api/v1/staff/cases/${caseId}/messages`, { cookie: cw.cookie, csrf: cw.csrf, json: { body: 'x' } });
  assert.equal(r.status, 201, r.text);
}

function report(contact, language = 'zh-CN', name = '王小明') {
  return {
    language,
    requester: { role: 'self', name, contact },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: 'desc',
    consent: { share_identity_with_platform: false, preservation: 'none' },
    good_faith: true,
    signature: name,
    targets: [{ kind: 'online', url: `https://www.douyin.com/video/73${Math.floor(Math.random() * 1e15)}`, platform: 'douyin' }],
  };
}

async function file(name, contact, language, person) {
  const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report(contact, language, person) });
  assert.equal(r.status, 201, r.text);
  cases[name] = { id: r.body.case, receipt: r.body.receipt };
}

const metric = async (name) => {
  const r = await call(srv.base, 'GET', '/metrics');
  return Number(new RegExp(`^${name} (-?\\d+)$`, 'm').exec(r.text)?.[1]);
};

async function start() {
  srv = await startServer({ dataDir: dir, args, env: { TZ: 'UTC' } });
  assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-notify-', [['cw1', 'caseworker'], ['aud1', 'auditor'], ['gone1', 'caseworker']]));
  const keys = tempDir('takedown-notify-tls-');
  const key = path.join(keys, 'key.pem');
  const cert = path.join(keys, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  sink = await startSink({ key: readFileSync(key), cert: readFileSync(cert) });
  args = ['--debug-routes', '--tick-seconds', '86400', '--smtp-url', `smtp://127.0.0.1:${sink.port}`,
    '--smtp-from', 'notify@center.example', '--smtp-ca-file', cert];
  await start();
  await signIn();
});

after(async () => {
  await srv?.stop();
  await sink?.close();
});

test('intake: "tell me of news" needs an e-mail address (422 on a phone), and is accepted with one', async () => {
  const phone = await call(srv.base, 'POST', '/api/v1/cases', { json: report({ channel: 'phone', value: '+86 139-0000-1111', notify: true }) });
  assert.equal(phone.status, 422, phone.text);
  assert.equal(phone.body.error.field, 'requester.contact.notify');
  for (const hours of ['工作日 10:00 至 12:00', '下午2点到5点', '晚上八点以后', '2:00pm-5:00pm']) {
    const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report({ channel: 'email', value: 'v@mail.example', notify: true, safe_hours: hours }) });
    assert.equal(r.status, 422, `${hours}: a machine would guess these hours wrong`);
    assert.equal(r.body.error.field, 'requester.contact.safe_hours');
  }
  const phone2 = await call(srv.base, 'POST', '/api/v1/cases', { json: report({ channel: 'phone', value: '+86 139-0000-2222', safe_hours: '下午2点到5点' }) });
  assert.equal(phone2.status, 201, 'for a person calling, any words will do');
  await file('optin', { channel: 'email', value: 'victim.one@mail.example', notify: true, safe_hours: '10:00 至 12:00' });
  await file('other', { channel: 'email', value: 'victim.number.two@mail.example', notify: true, safe_hours: '10:00-12:00' }, 'en', 'A much longer name than the first one');
  await file('silent', { channel: 'email', value: 'silent@mail.example' });
  await file('dnc', { channel: 'email', value: 'dnc@mail.example', notify: true, do_not_contact: true });
});

test('news waits for the safe hours, goes to the opted-in only, and says nothing of the case', async () => {
  await clockTo(8, 0);
  await signIn(); // the clock moved: a fresh session puts the org key back in reach
  for (const name of ['optin', 'optin', 'other', 'silent', 'dnc']) await writeTo(cases[name].id);
  assert.equal(await metric('takedown_outbox_depth'), 4, 'one unsent piece of news per case, two messages to one case');
  const dropped = await metric('takedown_outbox_dropped_total');
  assert.equal((await tick()).status, 200);
  assert.equal(sink.messages.length, 0, 'at 08:00 nobody is inside their hours');
  assert.equal(await metric('takedown_outbox_dropped_total'), dropped + 2, 'not opted in, do not contact: dropped');
  assert.equal(await metric('takedown_outbox_depth'), 2);

  await clockTo(10, 30);
  await signIn();
  await tick();
  assert.equal(sink.messages.length, 2, sink.messages.map((m) => m.to).join());
  const [a, b] = ['victim.one@mail.example', 'victim.number.two@mail.example'].map((to) => sink.messages.find((m) => m.to[0] === to));
  assert.ok(a && b, 'each opted-in victim got one');
  for (const m of [a, b]) {
    assert.equal(m.secure, true, 'STARTTLS');
    assert.equal(m.from, 'notify@center.example');
    assert.equal(m.ehlo, 'center.example', 'the sender\'s domain, not this machine\'s name');
    for (const w of encodedWords(m)) assert.ok(w[0].length <= 75, `an encoded word of ${w[0].length} characters`);
    assert.equal(subjectOf(m), '您有一条新消息 / You have a new message');
    assert.match(messageId(m), /^<[0-9a-f]{32}@center\.example>$/);
    assert.match(header(m, 'Date'), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} 10:30:\d{2} \+0000$/);
    const text = bodyOf(m) + subjectOf(m);
    assert.match(text, /receipt/);
    assert.match(text, /回执码/);
    for (const c of Object.values(cases)) {
      assert.ok(!m.data.includes(c.id) && !text.includes(c.id), 'no case reference');
      assert.ok(!text.includes(c.receipt.slice(0, 9)), 'no receipt');
    }
    for (const word of ['王小明', 'longer name', 'douyin', 'crime', '上海', 'desc'])
      assert.ok(!text.includes(word), `nothing of the case: ${word}`);
  }
  assert.equal(bodyOf(a), bodyOf(b), 'the same text for a Chinese and an English report');
  assert.equal(header(a, 'Subject'), header(b, 'Subject'));
  assert.equal(a.data.length - a.to[0].length, b.data.length - b.to[0].length, 'constant size but for the address');
  await tick();
  assert.equal(sink.messages.length, 2, 'sent once');
  assert.equal(await metric('takedown_outbox_depth'), 0);
});

test('nothing of a victim\'s choices stays behind in the outbox: sent and dropped news leave no row and no reason on disk', async () => {
  const files = storeFiles(dir).map((p) => ({ p, bytes: readFileSync(p) }));
  assert.ok(scanReadStore(files.map((f) => f.p)), 'the scan read the database');
  for (const { p, bytes } of files)
    for (const word of ['do_not_contact', 'not_opted_in', 'no_address'])
      assert.equal(bytes.indexOf(Buffer.from(word)), -1, `${path.basename(p)} holds "${word}"`);
  assert.equal(await metric('takedown_outbox_depth'), 0);
});

test('a relay that is down stops the run at the first failure; a relay that refuses an address 5 times has it dropped', async () => {
  await clockTo(10, 0);
  await signIn();
  for (const name of ['optin', 'other']) await writeTo(cases[name].id);
  await sink.close();
  const failures = await metric('takedown_outbox_failures_total');
  await tick();
  assert.equal(await metric('takedown_outbox_failures_total'), failures + 1, 'one try, not one per message');
  assert.match(srv.log(), /outbox: a notification was not taken by the relay \(connect\)/);
  await sink.reopen();
  await shift(61);
  await signIn();
  const before = sink.messages.length;
  await tick();
  assert.equal(sink.messages.length, before + 2, 'both, once the relay is back');

  await writeTo(cases.optin.id);
  sink.refuse = 5;
  sink.refuseCode = 550;
  for (const wait of [0, 61, 121, 241, 481]) {
    await shift(wait);
    await signIn();
    await tick();
  }
  assert.equal(sink.refuse, 0, 'five tries');
  assert.match(srv.log(), /outbox: a notification the relay refused 5 times was dropped/);
  assert.equal(await metric('takedown_outbox_depth'), 0);
  sink.refuseCode = 451;
  assert.equal(sink.messages.length, before + 2);
});

test('a refusal by the relay is tried again after a wait, and sent once', async () => {
  await clockTo(10, 0);
  await signIn();
  await writeTo(cases.optin.id);
  sink.refuse = 1;
  const before = sink.messages.length;
  const failures = await metric('takedown_outbox_failures_total');
  await tick();
  assert.equal(sink.messages.length, before);
  assert.equal(await metric('takedown_outbox_failures_total'), failures + 1);
  await tick();
  assert.equal(sink.messages.length, before, 'not before the retry wait');
  await shift(61);
  await tick();
  assert.equal(sink.messages.length, before + 1);
  await shift(3600);
  await tick();
  assert.equal(sink.messages.length, before + 1, 'once');
  assert.match(srv.log(), /outbox: a notification was not taken by the relay \(deferred\); try 1, again in 60 s/);
});

test('the report form: the box under an e-mail address opts in, with the safe hours written beside it', async () => {
  for (const lang of ['zh-CN', 'en']) {
    const page = await call(srv.base, 'GET', '/report', { lang });
    assert.match(page.text, /<input type="checkbox" id="f-requester_contact_notify" name="requester.contact.notify" value="yes"/);
    assert.ok(page.text.includes(htmlEscape(I18N[lang]['report.contact.notify'])), lang);
  }
  const g = await call(srv.base, 'GET', '/report');
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  const fields = {
    csrf, language: 'en', 'requester.role': 'self', 'requester.name': 'F', 'incident.type': 'crime',
    'incident.date': '2024-03-08', description: 'd', 'targets[0].kind': 'online',
    'targets[0].url': `https://www.douyin.com/video/74${Math.floor(Math.random() * 1e15)}`,
    'requester.contact.channel': 'email', contact_email: 'by.form@mail.example',
    'requester.contact.safe_hours': '11:00 - 11:30', 'requester.contact.notify': 'yes',
    'consent.share_identity_with_platform': 'no', 'consent.preservation': 'none', good_faith: 'on', signature: 'F',
  };
  const post = async (over) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries({ ...fields, ...over })) fd.append(k, v);
    fd.append('screenshots', new Blob([]), '');
    return call(srv.base, 'POST', '/report', { jar: 'td_csrf=' + g.cookies.td_csrf, multipart: fd });
  };
  const vague = await post({ 'requester.contact.safe_hours': 'evenings' });
  assert.equal(vague.status, 422);
  assert.ok(vague.text.includes(htmlEscape(I18N['zh-CN']['field.safe_hours_format'])), 'the form says how to write them');
  assert.match(vague.text, /id="f-requester_contact_safe_hours"[^>]*value="evenings"[^>]*aria-invalid="true"/);
  const r = await post({});
  assert.equal(r.status, 303, r.text);
  await clockTo(10, 0);
  await signIn();
  const q = await call(srv.base, 'GET', '/api/v1/staff/cases?queue=all&limit=100', { cookie: cw.cookie });
  assert.equal(q.status, 200, q.text);
  const before = sink.messages.length;
  for (const c of q.body.cases) if (!Object.values(cases).some((k) => k.id === c.case)) await writeTo(c.case);
  await tick();
  assert.equal(sink.messages.length, before, '10:00 is outside 11:00-11:30');
  await shift(3600);
  await signIn();
  await tick();
  assert.deepEqual(sink.messages.slice(before).map((m) => m.to[0]), ['by.form@mail.example']);
});

test('a stop in the middle of a send: after the restart the message goes out exactly once, when staff are back', async () => {
  await clockTo(10, 0);
  await signIn();
  await writeTo(cases.other.id);
  sink.hold = true;
  const before = sink.messages.length;
  const pending = tick().catch(() => null); // answers never: the service is killed under it
  for (const until = Date.now() + 30000; !sink.held.length && Date.now() < until; ) await sleep(20);
  assert.equal(sink.held.length, 1, 'the relay holds the message, unanswered');
  srv.proc.kill('SIGKILL');
  await srv.exited;
  await pending;
  sink.hold = false;
  for (const until = Date.now() + 30000; !sink.held[0].closedUnanswered && Date.now() < until; ) await sleep(20);
  assert.ok(sink.held[0].closedUnanswered, 'never taken: the connection closed before the answer');

  await start();
  assert.match(srv.log(), /outbox: 1 notification\(s\) interrupted by a stop will be sent again/);
  await clockTo(10, 30);
  await tick();
  assert.equal(sink.messages.length, before, 'nobody signed in since the start: no org key, the news waits');
  assert.equal(await metric('takedown_outbox_depth'), 1);
  await signIn();
  await tick();
  await tick();
  assert.equal(sink.messages.length, before + 1);
  const id = messageId(sink.held[0]);
  assert.equal(sink.byId(id).length, 1, 'the same message id as the attempt that was cut: one message');
  assert.equal(await metric('takedown_outbox_depth'), 0);
});

// ---- the staff digest ----

async function admin() {
  const r = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  assert.equal(r.status, 200, r.text);
  return { cookie: r.cookies.td_session, csrf: r.body.csrf };
}

async function move(tid, to, fields = {}) {
  const r = await call(srv.base, 'POST', `/api/v1/staff/targets/${tid}/transition`, { cookie: cw.cookie, csrf: cw.csrf, json: { to, ...fields } });
  assert.equal(r.status, 200, r.text);
}

// A case held by cw1 whose copy got its notice now: due in the route's 72 hours.
async function heldWithNotice(name) {
  // with what the route's notice needs: the requester's identity and evidence
  const rep = { ...report({ channel: 'none' }), consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    fingerprints: [{ alg: 'sha256', value: randomBytes(32).toString('hex') }] };
  const f = await call(srv.base, 'POST', '/api/v1/cases', { json: rep });
  assert.equal(f.status, 201, f.text);
  cases[name] = { id: f.body.case, receipt: f.body.receipt };
  const id = cases[name].id;
  assert.equal((await call(srv.base, 'POST', `/api/v1/staff/cases/${id}/assign`, { cookie: cw.cookie, csrf: cw.csrf, json: { login: 'cw1' } })).status, 200);
  const v = await call(srv.base, 'GET', `/api/v1/staff/cases/${id}`, { cookie: cw.cookie });
  const tid = v.body.targets[0].id;
  for (const to of ['in_review', 'ready']) await move(tid, to);
  await move(tid, 'notice_sent', { reason: 'r', ticket: 'T-1', channel: 'web' });
}

test('the daily digest: set by an admin (API and page, refused for a non-address), sent at --digest-at without any key, case references only, once a day', async () => {
  const a = await admin();
  const put = (login, json, who = a) => call(srv.base, 'PUT', `/api/v1/admin/staff/${login}/digest`, { cookie: who.cookie, csrf: who.csrf, json });
  assert.equal((await put('cw1', { email: 'a b@center.example' })).status, 422);
  assert.equal((await put('cw1', { email: 'x@y.example\r\nBcc: z@w.example' })).status, 422);
  assert.equal((await put('cw1', { email: 7 })).status, 422);
  assert.equal((await put('nobody', { email: 'n@center.example' })).status, 404);
  assert.equal((await put('aud1', { email: 'aud1@center.example' })).status, 422, 'an auditor holds no cases');
  const off = ctl(['user', 'disable', '--data-dir', dir, '--as', 'admin', 'gone1'], [pw.admin]);
  assert.equal(off.status, 0, off.stderr);
  assert.equal((await put('gone1', { email: 'gone1@center.example' })).status, 409, 'a disabled account gets nothing');
  await signIn();
  assert.equal((await put('cw1', { email: 'cw1@center.example' }, cw)).status, 403, 'admins only');
  assert.equal((await put('cw1', { email: 'cw1@center.example' })).status, 200);
  const list = await call(srv.base, 'GET', '/api/v1/admin/staff', { cookie: a.cookie });
  assert.equal(list.body.staff.find((s) => s.login === 'cw1').digest, 'cw1@center.example');
  // the page: the same setting, by a form
  const page = await call(srv.base, 'GET', '/staff/people', { cookie: a.cookie });
  assert.match(page.text, /<input type="email" id="digest-cw1" name="email" value="cw1@center.example"/);
  const bad = await call(srv.base, 'POST', '/staff/people/cw1/digest', { cookie: a.cookie, form: { csrf: a.csrf, email: 'not an address' } });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /role="alert" id="people-error"/);
  assert.match(bad.text, /<input type="email" id="digest-cw1" name="email" value="not an address"[^>]* aria-invalid="true" aria-describedby="digest-help people-error">/, 'what was typed comes back, marked');
  const ok = await call(srv.base, 'POST', '/staff/people/cw1/digest', { cookie: a.cookie, form: { csrf: a.csrf, email: 'cw1.desk@center.example' } });
  assert.equal(ok.status, 303);
  assert.equal((await call(srv.base, 'GET', '/api/v1/admin/staff', { cookie: a.cookie })).body.staff.find((s) => s.login === 'cw1').digest, 'cw1.desk@center.example');

  // Day D: two cases held by cw1 get notices at 07:00 and 10:00 (due D+3 07:00 and 10:00).
  await clockTo(7, 0);
  await signIn();
  await heldWithNotice('late');
  await shift(3 * 3600);
  await signIn();
  await heldWithNotice('today');
  await clockTo(7, 30);
  await shift(2 * 86400); // D+3 07:30: nobody signed in since D
  await file('risky', { channel: 'none' });
  const r = await call(srv.base, 'POST', '/api/v1/cases', { json: { ...report({ channel: 'none' }), risk: { danger_now: true } } });
  assert.equal(r.status, 201, r.text);
  const risky = r.body.case;
  const before = sink.messages.length;
  await tick();
  assert.equal(sink.messages.length, before, 'not before 08:00');
  await shift(1800);
  await tick();
  await tick();
  const digests = sink.messages.slice(before);
  assert.equal(digests.length, 1, 'one digest: cw1 (the admin gave no address)');
  const d = digests[0];
  assert.deepEqual(d.to, ['cw1.desk@center.example']);
  assert.equal(d.secure, true);
  const text = bodyOf(d);
  const lines = text.split('\r\n');
  const at = (title) => lines.indexOf(lines.find((l) => l.includes(title)));
  assert.ok(at('New high-risk cases') >= 0 && at('Overdue copies') > at('New high-risk cases') && at('Due today') > at('Overdue copies'), text);
  assert.equal(lines[at('New high-risk cases') + 1].trim(), risky);
  assert.equal(lines[at('Overdue copies') + 1].trim(), `${cases.late.id} (1)`);
  assert.equal(lines[at('Due today') + 1].trim(), `${cases.today.id} (1)`);
  assert.ok(!text.includes(cases.risky.id), 'a case without risk flags is not a high-risk case');
  for (const word of ['王小明', 'douyin', 'desc', '上海', 'T-1']) assert.ok(!text.includes(word), word);
  assert.match(subjectOf(d), /Daily digest \d{4}-\d{2}-\d{2}$/);

  await shift(12 * 3600);
  await tick();
  assert.equal(sink.messages.length, before + 1, 'once a day');
  await clockTo(8, 0);
  await tick();
  assert.equal(sink.messages.length, before + 2, 'the next day, another');
  assert.ok(!bodyOf(sink.messages.at(-1)).includes(risky), 'no longer new');
});

test('a relay without a sender, or an unreadable password file, stops the start with one line', async () => {
  const { spawnSync } = await import('node:child_process');
  const { TAKEDOWND } = await import('./lib.mjs');
  const empty = tempDir('takedown-notify-start-');
  for (const [extra, line] of [
    [[], /^takedownd: --smtp-url needs --smtp-from$/m],
    [['--smtp-from', 'n@center.example', '--smtp-user', 'u', '--smtp-password-file', path.join(empty, 'none')], /^takedownd: cannot read --smtp-password-file$/m],
  ]) {
    const r = spawnSync(TAKEDOWND, ['--data-dir', dir, '--listen', '127.0.0.1:1', '--smtp-url', 'smtp://127.0.0.1:25', ...extra], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, line);
  }
});

test('a transition that queues news keeps its detail on its own event (the outbox row was taken for it), and other cases keep theirs', async () => {
  await clockTo(9, 0);
  await signIn();
  const other = (await call(srv.base, 'GET', `/api/v1/staff/cases/${cases.late.id}`, { cookie: cw.cookie })).body.timeline;
  await file('detail', { channel: 'none' });
  const id = cases.detail.id;
  const tid = (await call(srv.base, 'GET', `/api/v1/staff/cases/${id}`, { cookie: cw.cookie })).body.targets[0].id;
  await move(tid, 'in_review');
  await tick(); // the news of that move is settled (dropped: no opt-in), so the next move queues anew
  await move(tid, 'declined', { reason: 'R-unique-reason' });
  const v = (await call(srv.base, 'GET', `/api/v1/staff/cases/${id}`, { cookie: cw.cookie })).body;
  const declined = v.timeline.find((e) => e.kind === 'target.transition' && e.to === 'declined');
  assert.equal(declined?.detail?.reason, 'R-unique-reason', JSON.stringify(declined));
  const after = (await call(srv.base, 'GET', `/api/v1/staff/cases/${cases.late.id}`, { cookie: cw.cookie })).body.timeline;
  assert.deepEqual(after.slice(0, other.length), other, 'another case\'s timeline untouched');
});
