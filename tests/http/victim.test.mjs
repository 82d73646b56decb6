// The victims' side over real HTTP against the real binaries: the report through the JSON API and
// the form, validation and limits on both sides of every bound, link canonicalisation and platform
// recognition, screenshots, receipts (formats, wrong, erased, brute force), messages, adding copies,
// withdraw and erase as a victim does them, the pages (quick exit, no other origin, receipt never
// in a URL), submission limits, and a raw scan of the data directory for everything submitted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, REPO, I18N, call as callAs, htmlEscape, validReport, diskRoots, scanReadStore } from './lib.mjs';

const SERVER_ARGS = ['--debug-routes', '--trust-proxy'];
const t = (key, lang = 'zh-CN') => {
  const v = I18N[lang][key];
  assert.ok(typeof v === 'string', `i18n key ${key} exists in ${lang}`);
  return v;
};
const RECEIPT_RE = /^\d{4}( \d{4}){4}$/;
const MiB = 1024 * 1024;
const DAY = 86400;

// ---- what the raw scan must not find ----

const scan = { texts: new Set(), hex: new Set(), raw: [] };
const hexMarker = (tag = 'M') => `${tag}${randomBytes(8).toString('hex')}`;
// A marker that is typed text: ASCII and Chinese, both must stay off the disk.
function marker(tag) {
  const m = `${tag}-${randomBytes(6).toString('hex')}`;
  scan.texts.add(m);
  return m;
}
function rememberReceipt(receipt) {
  scan.texts.add(receipt);
  scan.texts.add(receipt.replace(/ /g, ''));
}
function rememberCookie(cookie) {
  for (const part of cookie.split('.')) scan.hex.add(part);
}

// ---- addresses: one fresh address per submission so per-address limits never collide ----

let addrN = 0;
const addr = () => {
  addrN++;
  return `10.${100 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};

// ---- HTTP ----

// One call (lib.mjs), from a fresh address unless one is given.
const call = (base, method, p, opts = {}) => callAs(base, method, p, { ...opts, xff: opts.xff || addr() });

async function submitApi(base, report, xff) {
  const r = await call(base, 'POST', '/api/v1/cases', { json: report, xff });
  if (r.status === 201) rememberReceipt(r.body.receipt);
  return r;
}

// Receipt sign-in through the API; on success r.cookie and r.csrf.
async function receiptSession(base, receipt, xff) {
  const r = await call(base, 'POST', '/api/v1/receipt/session', { json: { receipt }, xff });
  if (r.status === 200) {
    r.cookie = r.cookies.td_session;
    r.csrf = r.body.csrf;
    rememberCookie(r.cookie);
  }
  return r;
}

// Files a valid report and signs in with its receipt: {caseId, receipt, cookie, csrf}.
async function newCase(base, report = validReport()) {
  const xff = addr();
  const r = await submitApi(base, report, xff);
  assert.equal(r.status, 201, r.text);
  const s = await receiptSession(base, r.body.receipt, xff);
  assert.equal(s.status, 200, s.text);
  return { caseId: r.body.case, receipt: r.body.receipt, cookie: s.cookie, csrf: s.csrf, xff };
}

async function myCase(base, cookie, xff) {
  return call(base, 'GET', '/api/v1/my/case', { cookie, xff });
}

// GET a form page; returns the call plus csrf (the hidden field) and jar (the td_csrf cookie).
async function getPage(base, p, opts = {}) {
  const r = await call(base, 'GET', p, opts);
  const m = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(r.text);
  r.csrf = m ? m[1] : null;
  if (r.cookies.td_csrf) r.jar = 'td_csrf=' + r.cookies.td_csrf;
  return r;
}

// The fields a person fills in on /report, as name/value pairs (what a browser posts).
function validFormFields(over = {}) {
  const f = {
    language: 'zh-CN',
    'requester.role': 'self',
    'requester.name': '李华',
    'incident.type': 'intimate',
    'incident.date': '2024-03-08',
    'incident.place': '杭州',
    'incident.police_case_no': '',
    description: '前男友把视频发到了网上。',
    'targets[0].kind': 'online',
    'targets[0].url': 'https://www.douyin.com/video/7300000000000000777',
    'targets[0].note': '',
    'targets[1].kind': 'offline',
    'targets[1].holder': '',
    'targets[1].where': '',
    'targets[1].note': '',
    'risk.extortion': 'on',
    'requester.contact.channel': 'email',
    'requester.contact.value': 'lihua@example.cn',
    'requester.contact.safe_hours': '',
    'consent.share_identity_with_platform': 'no',
    'consent.preservation': 'none',
    'fingerprints[0].value': '',
    good_faith: 'on',
    signature: '李华',
    ...over,
  };
  return Object.entries(f).filter(([, v]) => v !== undefined && v !== null);
}

// A multipart body like a browser's: the fields, then the screenshots (an empty part when none).
function multipart(fields, files = null) {
  const fd = new FormData();
  for (const [k, v] of fields) fd.append(k, v);
  if (!files || files.length === 0) fd.append('screenshots', new Blob([]), '');
  else for (const f of files) fd.append(f.field || 'screenshots', new Blob([f.bytes], { type: f.type || 'application/octet-stream' }), f.name);
  return fd;
}

// Posts the report form (multipart) with a fresh anonymous csrf pair.
// With follow (the default) the 303 is followed to the receipt page, as a browser does.
async function postReportForm(base, fields, { files = null, xff = addr(), lang, csrf, follow = true } = {}) {
  const g = await getPage(base, '/report', { xff, lang });
  assert.equal(g.status, 200);
  const all = [['csrf', csrf === undefined ? g.csrf : csrf], ...fields].filter(([, v]) => v !== null);
  const r = await call(base, 'POST', '/report', { xff, lang, jar: g.jar, multipart: multipart(all, files) });
  if (r.status === 303) {
    // Post-redirect-get: the receipt is on the page the 303 leads to, shown once.
    assert.equal(r.headers.get('location'), '/report/receipt');
    assert.ok(r.cookies.td_session && r.cookies.td_receipt, 'a session and a one-time receipt cookie');
    r.cookie = r.cookies.td_session;
    rememberCookie(r.cookie);
    if (!follow) return r;
    r.page = await call(base, 'GET', '/report/receipt', { xff, lang, cookie: r.cookie, jar: 'td_receipt=' + r.cookies.td_receipt });
    const m = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(r.page.text);
    if (m) {
      r.receipt = m[1];
      rememberReceipt(r.receipt);
    }
    const c = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(r.page.text);
    r.csrf = c ? c[1] : null;
  }
  return r;
}

// What a browser sends back with the receipt page's cookies.
const receiptJar = (r) => 'td_receipt=' + r.cookies.td_receipt;

// ---- HTML ----

function attrUrls(html) {
  const out = [];
  const re = /\s(src|href|action|formaction|poster|data|srcset)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi;
  let m;
  while ((m = re.exec(html))) out.push({ attr: m[1].toLowerCase(), value: m[3] ?? m[4] ?? m[5], at: m.index });
  return out;
}
const countMatches = (s, re) => (s.match(re) || []).length;
const reEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- the data directory ----

function filesIn(dir, sub = 'files') {
  const d = path.join(dir, sub);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => statSync(path.join(d, f), { throwIfNoEntry: false })?.isFile()).sort();
}
// A refused upload's partial files are removed when the request completes, which is just after
// the response is sent: wait (at most 2 s) for files/tmp to be empty.
async function assertTmpEmpty(dir, msg = 'files/tmp is empty') {
  let left = filesIn(dir, 'files/tmp');
  for (let i = 0; i < 40 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = filesIn(dir, 'files/tmp');
  }
  assert.deepEqual(left, [], msg);
}
function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

// ---- images: real magic bytes, a marker inside ----

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function png(extra = '') {
  return Buffer.concat([PNG_SIG, Buffer.from('\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00', 'latin1'),
    Buffer.from('tEXtComment\x00' + extra, 'latin1'), randomBytes(64)]);
}
const jpeg = (extra = '') => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\x00' + extra, 'latin1'), randomBytes(64)]);
const gif = (extra = '') => Buffer.concat([Buffer.from('GIF89a\x10\x00\x10\x00' + extra, 'latin1'), randomBytes(64)]);
const webp = (extra = '') => Buffer.concat([Buffer.from('RIFF\x40\x00\x00\x00WEBPVP8 ' + extra, 'latin1'), randomBytes(64)]);
const heic = (extra = '') => Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00' + extra, 'latin1'), randomBytes(64)]);

// ---- servers ----

let main; // {dir, pw}
let srv;
const others = [];
const dirs = [];

async function extraServer(opts = {}) {
  const s = await startServer({ dataDir: main.dir, args: SERVER_ARGS, ...opts });
  others.push(s);
  return s;
}

before(async () => {
  const dir = tempDir('takedown-victim-');
  dirs.push(dir);
  const pw = 'Admin-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(init.status, 0, init.stderr);
  main = { dir, pw };
  srv = await startServer({ dataDir: dir, args: SERVER_ARGS });
});

after(async () => {
  for (const s of others) await s.stop();
  if (srv) await srv.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Chinese text that a normaliser, a byte-based cut or a wrong escape would change: CJK, a
// full-width punctuation mark, an extension-B ideograph (4 bytes), an emoji, a decomposed é.
const ZH = '路人甲「便利店」𠀀😀 e\u0301 第二行\n第三行';

// ---- 1 ----

test('API report: 201 with case and receipt; every receipt spelling signs in; the case reads back', async () => {
  const report = validReport();
  report.targets[1].holder = '持有人:' + ZH.replace('\n', ' ');
  report.targets[1].where = '门店' + ZH;
  report.description = '描述 ' + ZH;
  report.signature = '王小明 ' + ZH.slice(0, 8);
  const xff = addr();
  const r = await submitApi(srv.base, report, xff);
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(r.body).sort(), ['case', 'receipt']);
  assert.match(r.body.case, /^[0-9a-f]{20}$/);
  assert.match(r.body.receipt, RECEIPT_RE);
  assert.equal(r.headers.get('cache-control'), 'no-store', 'the receipt is never cached');
  assert.equal(r.cookies.td_session, undefined, 'the API sets no cookie on a report');

  const digits = r.body.receipt.replace(/ /g, '');
  const fullWidth = [...r.body.receipt].map((c) => (c === ' ' ? '\u3000' : String.fromCharCode(0xff10 + Number(c)))).join('');
  const spellings = [
    r.body.receipt,
    digits,
    digits.replace(/(\d{4})(?=\d)/g, '$1-'),
    ` ${digits.slice(0, 10)}\t${digits.slice(10)} `,
    fullWidth,
    fullWidth.replace(/\u3000/g, '\uff0d'),
  ];
  let session;
  for (const sp of spellings) {
    const s = await receiptSession(srv.base, sp, xff);
    assert.equal(s.status, 200, `receipt spelled ${JSON.stringify(sp)}: ${s.text}`);
    assert.match(s.body.csrf, /^[0-9a-f]{64}$/);
    const c = s.setCookies.td_session;
    assert.match(c, /^td_session=[0-9a-f]{64}\.[0-9a-f]{64}; /);
    assert.match(c, /; HttpOnly(;|$)/);
    assert.match(c, /; SameSite=Strict(;|$)/);
    assert.match(c, /; Path=\/(;|$)/);
    assert.equal(s.headers.get('cache-control'), 'no-store');
    session = s;
  }

  const v = await myCase(srv.base, session.cookie, xff);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.headers.get('cache-control'), 'no-store');
  assert.equal(v.body.case, r.body.case);
  assert.equal(v.body.state, 'open');
  assert.equal(v.body.total_targets, 2);
  assert.equal(v.body.open_targets, 2);
  assert.deepEqual(v.body.messages, []);
  assert.equal(v.body.screenshots, 0);
  const [on, off] = v.body.targets;
  assert.equal(on.kind, 'online');
  assert.equal(on.platform, 'douyin');
  assert.equal(on.state, 'reported');
  assert.equal(on.label, 'https://www.douyin.com/video/7300000000000000001', 'the label is the canonical link');
  assert.ok(Number.isInteger(on.id));
  assert.equal(off.kind, 'offline');
  assert.equal(off.platform, 'offline');
  assert.equal(off.state, 'reported');
  assert.ok(Buffer.from(off.label, 'utf8').equals(Buffer.from(report.targets[1].holder, 'utf8')),
    `the holder round-trips byte for byte: ${JSON.stringify(off.label)}`);
  assert.ok(!JSON.stringify(v.body).includes('门店'), 'where is not echoed (only the holder is)');

  // A message with the same text comes back byte for byte, newline and all.
  const msg = '您好,' + ZH;
  const sent = await call(srv.base, 'POST', '/api/v1/my/messages', { cookie: session.cookie, csrf: session.csrf, xff, json: { body: msg } });
  assert.equal(sent.status, 201, sent.text);
  const v2 = await myCase(srv.base, session.cookie, xff);
  assert.equal(v2.body.messages.length, 1);
  assert.equal(v2.body.messages[0].author, 'victim');
  assert.ok(Buffer.from(v2.body.messages[0].body, 'utf8').equals(Buffer.from(msg, 'utf8')),
    `the message round-trips byte for byte: ${JSON.stringify(v2.body.messages[0].body)}`);

  // The status page shows the same text, unchanged but for HTML escaping.
  const page = await call(srv.base, 'GET', '/my', { cookie: session.cookie, xff });
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(htmlEscape(report.targets[1].holder)), 'the holder on the page');
  assert.ok(page.text.includes(htmlEscape(msg)), 'the message on the page');

  // The session lives in the store: another server process on the same data accepts it.
  const s2 = await extraServer();
  const there = await myCase(s2.base, session.cookie, xff);
  assert.equal(there.status, 200);
  assert.equal(there.body.case, r.body.case);
  await s2.stop();

  // Signing out ends that session only.
  const noToken = await call(srv.base, 'DELETE', '/api/v1/receipt/session', { cookie: session.cookie, xff });
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body.error.code, 'csrf');
  const out = await call(srv.base, 'DELETE', '/api/v1/receipt/session', { cookie: session.cookie, csrf: session.csrf, xff });
  assert.equal(out.status, 200);
  assert.match(out.setCookies.td_session, /^td_session=; .*Max-Age=0/);
  const gone = await myCase(srv.base, session.cookie, xff);
  assert.equal(gone.status, 401);
  assert.equal(gone.body.error.code, 'unauthorized');
  const anon = await myCase(srv.base, undefined, xff);
  assert.equal(anon.status, 401);
});

// ---- 2 ----

// The longest accepted value of each bounded text field, and where it sits in a report.
const zh = (n) => '张'.repeat(n);
const emoji = (n) => '😀'.repeat(n);
const LIMITS = [
  // [path, max, set(report, text)]
  ['requester.name', 100, (r, s) => { r.requester.name = s; }],
  ['requester.contact.value', 254, (r, s) => { r.requester.contact = { channel: 'email', value: s }; }],
  ['requester.contact.safe_hours', 100, (r, s) => { r.requester.contact.safe_hours = s; }],
  ['incident.place', 200, (r, s) => { r.incident.place = s; }],
  ['incident.police_case_no', 64, (r, s) => { r.incident.police_case_no = s; }],
  ['description', 5000, (r, s) => { r.description = s; }],
  ['signature', 100, (r, s) => { r.signature = s; }],
  ['targets[0].note', 500, (r, s) => { r.targets[0].note = s; }],
  ['targets[1].holder', 200, (r, s) => { r.targets[1].holder = s; }],
  ['targets[1].where', 300, (r, s) => { r.targets[1].where = s; }],
  ['targets[1].note', 500, (r, s) => { r.targets[1].note = s; }],
];
// Text of n characters: Chinese (3 bytes each) and, for the signature, emoji (4 bytes, 2 UTF-16
// units), so that a count of bytes or of UTF-16 units would refuse the maximum.
const textOf = (p, n) => (p === 'signature' ? emoji(n) : p === 'requester.contact.value' ? zh(n - 5) + '@x.cn' : zh(n));

test('validation through the API: every text bound on both sides, counted in characters', async () => {
  const s = await extraServer(); // its own overall submission bucket
  const tomorrow = new Date(Date.now() + DAY * 1000).toISOString().slice(0, 10);

  // Everything at its maximum at once, 50 targets and 20 fingerprints: accepted.
  const max = validReport();
  for (const [p, n, set] of LIMITS) set(max, textOf(p, n));
  max.incident.date = tomorrow;
  for (let i = 2; i < 50; i++) max.targets.push({ kind: 'online', url: `https://weibo.com/u/${i}`, note: zh(500) });
  max.fingerprints = Array.from({ length: 20 }, (_, i) => ({ alg: 'sha256', value: (i === 0 ? 'AB' : 'cd').repeat(32) }));
  assert.equal([...max.requester.contact.value].length, 254);
  assert.equal(max.signature.length, 200, 'the signature is 100 characters but 200 UTF-16 units');
  const ok = await submitApi(s.base, max, addr());
  assert.equal(ok.status, 201, ok.text);
  const sess = await receiptSession(s.base, ok.body.receipt, addr());
  assert.equal(sess.status, 200);
  const v = await myCase(s.base, sess.cookie);
  assert.equal(v.body.total_targets, 50);
  assert.equal(v.body.targets[1].label, zh(200), 'a 200-character holder is kept whole');

  // Each one over by one character: 422 naming that field.
  for (const [p, n, set] of LIMITS) {
    const r = validReport();
    set(r, textOf(p, n + 1));
    const res = await submitApi(s.base, r, addr());
    assert.equal(res.status, 422, `${p} of ${n + 1} characters: ${res.text}`);
    assert.equal(res.body.error.code, 'invalid');
    assert.equal(res.body.error.field, p);
    assert.deepEqual(res.body.errors.map((e) => [e.field, e.code]), [[p, 'too_long']], p);
  }

  // All of them over at once: one answer listing every problem.
  const over = validReport();
  for (const [p, n, set] of LIMITS) if (p !== 'requester.contact.value') set(over, textOf(p, n + 1));
  over.requester.contact.value = '1'.repeat(255);
  over.good_faith = false;
  const all = await submitApi(s.base, over, addr());
  assert.equal(all.status, 422);
  const got = all.body.errors.map((e) => `${e.field}:${e.code}`).sort();
  const want = [...LIMITS.map(([p]) => `${p}:too_long`), 'good_faith:must_be_true'].sort();
  assert.deepEqual(got, want);
  for (const e of all.body.errors) assert.ok(typeof e.message === 'string' && e.message.length > 0, 'each error has a message');
  assert.equal(all.body.error.field, all.body.errors[0].field);

  // Counts: 51 targets, 21 fingerprints.
  const many = validReport();
  for (let i = 2; i < 51; i++) many.targets.push({ kind: 'online', url: `https://weibo.com/u/${i}` });
  const r51 = await submitApi(s.base, many, addr());
  assert.equal(r51.status, 422);
  assert.deepEqual(r51.body.errors.map((e) => [e.field, e.code]), [['targets', 'too_many']]);
  const fps = validReport({ fingerprints: Array.from({ length: 21 }, () => ({ alg: 'sha256', value: 'ef'.repeat(32) })) });
  const r21 = await submitApi(s.base, fps, addr());
  assert.equal(r21.status, 422);
  assert.deepEqual(r21.body.errors.map((e) => [e.field, e.code]), [['fingerprints', 'too_many']]);
});

test('validation through the API: required fields, enums, dates, contacts, fingerprints, types', async () => {
  const s = await extraServer();
  const today = new Date();
  const inDays = (n) => new Date(today.getTime() + n * DAY * 1000).toISOString().slice(0, 10);
  const cases = [
    ['no targets', (r) => { delete r.targets; }, [['targets', 'required']]],
    ['empty targets', (r) => { r.targets = []; }, [['targets', 'required']]],
    ['targets not an array', (r) => { r.targets = { kind: 'online' }; }, [['targets', 'invalid']]],
    ['good_faith false', (r) => { r.good_faith = false; }, [['good_faith', 'must_be_true']]],
    ['good_faith missing', (r) => { delete r.good_faith; }, [['good_faith', 'must_be_true']]],
    ['good_faith "true" as a string', (r) => { r.good_faith = 'true'; }, [['good_faith', 'invalid'], ['good_faith', 'must_be_true']]],
    ['no signature', (r) => { r.signature = '   '; }, [['signature', 'required']]],
    ['role boss', (r) => { r.requester.role = 'boss'; }, [['requester.role', 'invalid']]],
    ['role missing', (r) => { delete r.requester.role; }, [['requester.role', 'required']]],
    ['incident type party', (r) => { r.incident.type = 'party'; }, [['incident.type', 'invalid']]],
    ['preservation bogus', (r) => { r.consent.preservation = 'forever'; }, [['consent.preservation', 'invalid']]],
    ['language fr', (r) => { r.language = 'fr'; }, [['language', 'invalid']]],
    ['date in two days', (r) => { r.incident.date = inDays(2); }, [['incident.date', 'invalid_date']]],
    ['date 2023-02-29', (r) => { r.incident.date = '2023-02-29'; }, [['incident.date', 'invalid_date']]],
    ['date 2024-13-01', (r) => { r.incident.date = '2024-13-01'; }, [['incident.date', 'invalid_date']]],
    ['date 1899-12-31', (r) => { r.incident.date = '1899-12-31'; }, [['incident.date', 'invalid_date']]],
    ['date 2024/01/02', (r) => { r.incident.date = '2024/01/02'; }, [['incident.date', 'invalid_date']]],
    ['phone abc', (r) => { r.requester.contact = { channel: 'phone', value: 'abc' }; }, [['requester.contact.value', 'invalid_phone']]],
    ['phone 1234', (r) => { r.requester.contact = { channel: 'phone', value: '1234' }; }, [['requester.contact.value', 'invalid_phone']]],
    ['email without @', (r) => { r.requester.contact = { channel: 'email', value: 'someone.example.com' }; }, [['requester.contact.value', 'invalid_email']]],
    ['email without a value', (r) => { r.requester.contact = { channel: 'email' }; }, [['requester.contact.value', 'required']]],
    ['channel fax', (r) => { r.requester.contact = { channel: 'fax', value: '123456' }; }, [['requester.contact.channel', 'invalid']]],
    ['fingerprint of 63 hex', (r) => { r.fingerprints = [{ alg: 'sha256', value: 'a'.repeat(63) }]; }, [['fingerprints[0].value', 'invalid']]],
    ['fingerprint of 65 hex', (r) => { r.fingerprints = [{ alg: 'sha256', value: 'a'.repeat(65) }]; }, [['fingerprints[0].value', 'invalid']]],
    ['fingerprint not hex', (r) => { r.fingerprints = [{ alg: 'sha256', value: 'g'.repeat(64) }]; }, [['fingerprints[0].value', 'invalid']]],
    ['fingerprint md5', (r) => { r.fingerprints = [{ alg: 'md5', value: 'a'.repeat(64) }]; }, [['fingerprints[0].value', 'invalid']]],
    ['description a number', (r) => { r.description = 42; }, [['description', 'invalid']]],
    ['requester a string', (r) => { r.requester = 'me'; }, [['requester', 'invalid'], ['requester.role', 'required']]],
    ['a control character in the name', (r) => { r.requester.name = 'a\u0001b'; }, [['requester.name', 'invalid']]],
    ['offline without holder and where', (r) => { r.targets[1] = { kind: 'offline' }; }, [['targets[1].holder', 'required'], ['targets[1].where', 'required']]],
    ['a target kind bogus', (r) => { r.targets[0].kind = 'tv'; }, [['targets[0].kind', 'invalid']]],
    ['a target url a number', (r) => { r.targets[0].url = 7; }, [['targets[0].url', 'invalid']]],
  ];
  for (const [name, mutate, want] of cases) {
    const r = validReport();
    mutate(r);
    const res = await submitApi(s.base, r, addr());
    assert.equal(res.status, 422, `${name}: ${res.text}`);
    assert.equal(res.body.error.code, 'invalid', name);
    assert.equal(res.body.error.field, want[0][0], name);
    assert.deepEqual(res.body.errors.map((e) => [e.field, e.code]).sort(), [...want].sort(), name);
  }

  // The accepted side: a 64-hex fingerprint (any case), tomorrow's date, a phone with spaces.
  const good = validReport();
  good.fingerprints = [{ value: 'A'.repeat(64) }, { alg: 'sha256', value: '0123456789abcdef'.repeat(4) }];
  good.incident.date = inDays(1);
  good.requester.contact = { channel: 'phone', value: '(010) 6552-9999' };
  const ok = await submitApi(s.base, good, addr());
  assert.equal(ok.status, 201, ok.text);
  const minimal = { requester: { role: 'guardian' }, incident: { type: 'other' }, good_faith: true, signature: 'x', targets: [{ url: 'weibo.com/1' }] };
  const min = await submitApi(s.base, minimal, addr());
  assert.equal(min.status, 201, `the smallest report is accepted: ${min.text}`);

  // Bodies that are not a report.
  const xff = addr();
  const bad = await call(s.base, 'POST', '/api/v1/cases', { xff, json: '{"requester": {' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'bad_json');
  const arr = await call(s.base, 'POST', '/api/v1/cases', { xff, json: '[1,2]' });
  assert.equal(arr.status, 400);
  const dup = await call(s.base, 'POST', '/api/v1/cases', { xff, json: '{"good_faith": true, "good_faith": false}' });
  assert.equal(dup.status, 400, 'duplicate keys are refused');
  const form = await call(s.base, 'POST', '/api/v1/cases', { xff, form: { signature: 'x' } });
  assert.equal(form.status, 415);
  const plain = await call(s.base, 'POST', '/api/v1/cases', { xff, body: '{}', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(plain.status, 415);

  // 1 MiB exactly is read; one byte more is 413 before anything is parsed.
  const base = JSON.stringify(validReport());
  const exact = base + ' '.repeat(MiB - Buffer.byteLength(base));
  assert.equal(Buffer.byteLength(exact), MiB);
  const atLimit = await submitApi(s.base, exact, addr());
  assert.equal(atLimit.status, 201, atLimit.text);
  const tooBig = await call(s.base, 'POST', '/api/v1/cases', { xff, json: exact + ' ' });
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.body.error.code, 'too_large');
});

test('a platform named for a target that is not a known one is reported at that target\'s path', async () => {
  const r = validReport();
  r.targets.push({ kind: 'online', url: 'https://example.com/v/1', platform: 'myspace' });
  const res = await submitApi(srv.base, r, addr());
  assert.equal(res.status, 422);
  assert.deepEqual(res.body.errors.map((e) => [e.field, e.code]), [['targets[2].platform', 'invalid']]);
});

// ---- 3 ----

const LINKS = [
  // [what the victim pasted, canonical form, platform]
  ['7.99 复制打开抖音，看看【张三的作品】# 日常 https://v.douyin.com/iRNBho5m/ 复制此链接，打开Dou音搜索，直接观看视频！', 'https://v.douyin.com/iRNBho5m/', 'douyin'],
  ['https://www.iesdouyin.com/share/video/7300000000000000000/?region=CN&share_sign=abc&utm_campaign=client_share', 'https://www.iesdouyin.com/share/video/7300000000000000000/?region=CN', 'douyin'],
  ['https://www.douyin.com./video/1', 'https://www.douyin.com/video/1', 'douyin'],
  ['WWW.BILIBILI.COM/video/BV1xx?spm_id_from=333.1&p=2#t=3', 'https://www.bilibili.com/video/BV1xx?p=2', 'bilibili'],
  ['https://www.bilibili.com/video/BV1yy/?vd_source=abc123&p=1', 'https://www.bilibili.com/video/BV1yy/?p=1', 'bilibili'],
  ['【标题】 https://b23.tv/AbCdEf', 'https://b23.tv/AbCdEf', 'bilibili'],
  ['https://youtu.be/dQw4w9WgXcQ?si=AbC_dEf123', 'https://youtu.be/dQw4w9WgXcQ', 'youtube'],
  ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&SI=x&t=42&utm_source=tw', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42', 'youtube'],
  ['https://example.com/watch?si=kept', 'https://example.com/watch?si=kept', 'other'],
  ['https://mp.weixin.qq.com/s/AbCdEf123?scene=1&utm_medium=x', 'https://mp.weixin.qq.com/s/AbCdEf123?scene=1', 'wechat'],
  ['https://channels.weixin.qq.com/web/pages/feed?eid=export%2FUzFf', 'https://channels.weixin.qq.com/web/pages/feed?eid=export%2FUzFf', 'wechat_channels'],
  ['https://weixin.qq.com/sph/A1b2C3', 'https://weixin.qq.com/sph/A1b2C3', 'wechat_channels'],
  ['【小红书】看看这篇笔记 http://xhslink.com/a/AbC123，复制本条信息，打开小红书App查看精彩内容！', 'http://xhslink.com/a/AbC123', 'xiaohongshu'],
  ['https://www.xiaohongshu.com/explore/64a0?xsec_token=AB', 'https://www.xiaohongshu.com/explore/64a0?xsec_token=AB', 'xiaohongshu'],
  ['t.me/durov/42', 'https://t.me/durov/42', 'telegram'],
  ['https://x.com/someone/status/1790000000000000000?s=20', 'https://x.com/someone/status/1790000000000000000?s=20', 'x'],
  ['https://mobile.twitter.com/someone/status/1', 'https://mobile.twitter.com/someone/status/1', 'x'],
  ['https://weibo.cn/status/4900000000000000', 'https://weibo.cn/status/4900000000000000', 'weibo'],
  ['https://m.weibo.cn/detail/4900000000000001', 'https://m.weibo.cn/detail/4900000000000001', 'weibo'],
  ['https://www.zhihu.com/question/1/answer/2?utm_psn=1', 'https://www.zhihu.com/question/1/answer/2', 'zhihu'],
  ['https://tieba.baidu.com/p/8000000000?share=9105&fr=sharewise', 'https://tieba.baidu.com/p/8000000000?share=9105&fr=sharewise', 'baidu'],
  ['https://www.toutiao.com/article/7300000000000000000/', 'https://www.toutiao.com/article/7300000000000000000/', 'toutiao'],
  ['https://www.ixigua.com/7300000000000000000?logTag=abc', 'https://www.ixigua.com/7300000000000000000?logTag=abc', 'xigua'],
  ['https://www.tiktok.com/@someone/video/7300000000000000000?is_from_webapp=1&sender_device=pc', 'https://www.tiktok.com/@someone/video/7300000000000000000', 'tiktok'],
  ['https://www.facebook.com/watch/?v=123&fbclid=IwAR0abc', 'https://www.facebook.com/watch/?v=123', 'facebook'],
  ['https://www.instagram.com/reel/C1a2b3/?igsh=MXyz&utm_source=ig_web_copy_link', 'https://www.instagram.com/reel/C1a2b3/', 'instagram'],
  ['https://www.kuaishou.com/short-video/3xabc?fid=0&cc=share_copylink&utm_source=x', 'https://www.kuaishou.com/short-video/3xabc?fid=0&cc=share_copylink', 'kuaishou'],
  ['https://v.kuaishou.com/AbCdE', 'https://v.kuaishou.com/AbCdE', 'kuaishou'],
  ['https://www.kwai.com/@user/video/1', 'https://www.kwai.com/@user/video/1', 'other'],
  ['https://Example.ORG:443/Path/To?b=2&a=1#frag', 'https://example.org/Path/To?b=2&a=1', 'other'],
  ['HTTP://Example.net:8080', 'http://example.net:8080/', 'other'],
  ['notdouyin.com/video/1', 'https://notdouyin.com/video/1', 'other'],
  ['看这个 https://example.com/a.', 'https://example.com/a', 'other'],
  ['(见 https://en.wikipedia.org/wiki/Foo_(bar))', 'https://en.wikipedia.org/wiki/Foo_(bar)', 'other'],
  ['https://example.com/a.?utm_source=x', 'https://example.com/a%2E', 'other'],
  ['https://example.com?', 'https://example.com/', 'other'],
  ['https://example.com/p?utm_source=a&UTM_Medium=b&Spm=1&gclid=z&x=1&&', 'https://example.com/p?x=1', 'other'],
  ['https://192.168.1.10:8443/x', 'https://192.168.1.10:8443/x', 'other'],
];

test('links: canonical form and platform, table-driven through the API and read back', async () => {
  const r = validReport();
  r.targets = LINKS.map(([url]) => ({ kind: 'online', url }));
  // The victim's platform wins only for an unknown site; a recognised link keeps its own.
  r.targets.push({ kind: 'online', url: 'https://example.com/v/9', platform: 'douyin' });
  r.targets.push({ kind: 'online', url: 'https://www.bilibili.com/video/BV9', platform: 'douyin' });
  const c = await newCase(srv.base, r);
  const v = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v.status, 200);
  assert.equal(v.body.targets.length, LINKS.length + 2);
  const problems = [];
  LINKS.forEach(([input, canonical, platform], i) => {
    const got = v.body.targets[i];
    if (got.label !== canonical || got.platform !== platform || got.kind !== 'online' || got.state !== 'reported')
      problems.push(`${JSON.stringify(input)} -> ${got.label} (${got.platform}), want ${canonical} (${platform})`);
  });
  assert.deepEqual(problems, []);
  const [named, own] = v.body.targets.slice(LINKS.length);
  assert.equal(named.platform, 'douyin', 'the platform the victim names for an unknown site');
  assert.equal(named.label, 'https://example.com/v/9');
  assert.equal(own.platform, 'bilibili', 'a recognised link keeps its own platform');
});

test('links: what is not an http(s) link is refused, each at its own path', async () => {
  const BAD = [
    ['javascript:alert(1)', 'not_http'],
    ['ftp://x', 'not_http'],
    ['data:text/html,<b>hi</b>', 'not_http'],
    ['mailto:someone@example.com', 'not_http'],
    ['复制 ftp://files.example.com/a', 'not_http'],
    ['https://a:b@x.com', 'invalid'],
    ['https://user@x.com/', 'invalid'],
    ['https:/x.com', 'invalid'],
    ['https://x.com:99999/', 'invalid'],
    ['https://x.com:0/', 'invalid'],
    ['just some words', 'invalid'],
    ['https://x.com/\u0001', 'control_char'],
    ['例子.中国/x', 'bad_host'],
    ['https://example.com看看', 'bad_host'],
    ['https://1.2.3/x', 'bad_host'],
    ['https://-x.com/', 'bad_host'],
    ['', 'required'],
    ['   ', 'required'],
    ['https://' + 'a'.repeat(2041) + '.com', 'too_long'],
  ];
  const r = validReport();
  r.targets = BAD.map(([url]) => ({ kind: 'online', url }));
  const res = await submitApi(srv.base, r, addr());
  assert.equal(res.status, 422, res.text);
  const want = BAD.map(([, code], i) => [`targets[${i}].url`, code]);
  assert.deepEqual(res.body.errors.map((e) => [e.field, e.code]), want);
  assert.equal(res.body.error.field, 'targets[0].url');
});

// Chinese paths and queries keep every character: percent-encoded UTF-8, whichever way typed.
const UNICODE_LINKS = [
  ['https://tieba.baidu.com/f?kw=中文', 'https://tieba.baidu.com/f?kw=%E4%B8%AD%E6%96%87', 'baidu'],
  ['https://tieba.baidu.com/f?kw=%e4%b8%ad%e6%96%87', 'https://tieba.baidu.com/f?kw=%E4%B8%AD%E6%96%87', 'baidu'],
  ['https://www.zhihu.com/search?q=中文&type=content', 'https://www.zhihu.com/search?q=%E4%B8%AD%E6%96%87&type=content', 'zhihu'],
  ['https://weibo.com/n/中文名', 'https://weibo.com/n/%E4%B8%AD%E6%96%87%E5%90%8D', 'weibo'],
  ['转发微博 https://s.weibo.com/weibo?q=%23偷拍%23 看看', 'https://s.weibo.com/weibo?q=%23%E5%81%B7%E6%8B%8D%23', 'weibo'],
  ['https://www.douyin.com/search/中文?type=video，复制链接', 'https://www.douyin.com/search/%E4%B8%AD%E6%96%87?type=video', 'douyin'],
  ['https://例子.中国/帖子', 'https://xn--fsqu00a.xn--fiqs8s/%E5%B8%96%E5%AD%90', 'other'],
];
// Controls, bidi and zero-width characters: refused, each at its own path, never shortened.
const HIDDEN_LINKS = [
  'https://www.douyin.com/video/\u202e123',
  'https://www.douyin.com/video/123\u2066',
  'https://www.douyin.com/video/1\u200f2',
  '\u061c https://www.douyin.com/video/12',
  'https://www.douyin.com/video/1\u200b2',
  'https://www.douyin.com/video/1\ufeff2',
  'https://x.com/\u0001',
  'https://x.com/a\u007f',
  'https://x.com/a\u0085',
];

test('links: Chinese paths and queries round-trip percent-encoded, through the API and the form', async () => {
  const r = validReport();
  r.targets = UNICODE_LINKS.map(([url]) => ({ kind: 'online', url }));
  const c = await newCase(srv.base, r);
  const v = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v.status, 200);
  const got = v.body.targets.map((x) => [x.label, x.platform]);
  assert.deepEqual(got, UNICODE_LINKS.map(([, canonical, platform]) => [canonical, platform]));
  // The form: what a browser posts (UTF-8 in a multipart body) gives the same canonical form.
  const xff = addr();
  const f = await postReportForm(srv.base, validFormFields({ 'targets[0].url': UNICODE_LINKS[0][0] }), { xff });
  assert.equal(f.status, 303, f.text.slice(0, 2000));
  const fv = await myCase(srv.base, f.cookie, xff);
  assert.equal(fv.body.targets[0].label, UNICODE_LINKS[0][1]);
  const my = await call(srv.base, 'GET', '/my', { cookie: f.cookie, xff });
  assert.ok(my.text.includes(UNICODE_LINKS[0][1]), 'the status page names the whole link');
});

test('links: bidi, control and zero-width characters are refused (422 control_char, both languages)', async () => {
  const r = validReport();
  r.targets = HIDDEN_LINKS.map((url) => ({ kind: 'online', url }));
  for (const lang of ['zh-CN', 'en']) {
    const res = await call(srv.base, 'POST', '/api/v1/cases', { json: r, lang });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.errors.map((e) => [e.field, e.code, e.message]),
      HIDDEN_LINKS.map((_, i) => [`targets[${i}].url`, 'control_char', t('field.control_char', lang)]));
    assert.equal(res.body.error.field, 'targets[0].url');
    assert.equal(res.body.error.message, t('field.control_char', lang));
  }
  assert.notEqual(t('field.control_char'), t('field.invalid'), 'a message of its own');
  // The form: the link comes back marked, with the message, in both languages.
  for (const lang of ['zh-CN', 'en']) {
    const f = await postReportForm(srv.base, validFormFields({ 'targets[0].url': HIDDEN_LINKS[0] }), { lang });
    assert.equal(f.status, 422);
    assert.equal(f.cookies.td_session, undefined, 'nothing filed');
    assert.match(f.text, /<div class="field invalid">\s*<label for="f-targets_0_url">/);
    assert.ok(f.text.includes(`<p class="field-error" id="e-targets_0_url">${htmlEscape(t('field.control_char', lang))}</p>`));
  }
});

// ---- 4 ----

test('form: csrf, receipt page (no-store, never in a URL), saved step, status page in plain language', async () => {
  const xff = addr();
  const g = await getPage(srv.base, '/report', { xff });
  assert.equal(g.status, 200);
  assert.match(g.text, /<html lang="zh-CN">/);
  assert.ok(g.text.includes(t('report.title')));
  assert.ok(g.csrf, 'a hidden csrf field');
  assert.ok(g.jar, 'a td_csrf cookie');
  assert.notEqual(g.cookies.td_csrf, g.csrf, 'the field is made from the cookie, not a copy of it');
  assert.match(g.text, /<form method="post" action="\/report" enctype="multipart\/form-data"/);
  assert.equal(countMatches(g.text, /name="targets\[\d+\]\.url"/g), 1, 'one online row to begin with');
  assert.equal(countMatches(g.text, /name="targets\[\d+\]\.holder"/g), 1, 'one offline row to begin with');

  const holder = '小卖部老板 ' + ZH.replace('\n', ' ');
  const fields = validFormFields({ 'targets[1].holder': holder, 'targets[1].where': '学校门口' });
  const filesBefore = filesIn(main.dir);
  const noCsrf = await call(srv.base, 'POST', '/report', { xff, jar: g.jar, multipart: multipart(fields, [{ name: 'a.png', bytes: png() }]) });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.cookies.td_session, undefined);
  assert.deepEqual(filesIn(main.dir), filesBefore, 'an upload refused for csrf leaves no file');
  await assertTmpEmpty(main.dir);
  const noCookie = await call(srv.base, 'POST', '/report', { xff, multipart: multipart([['csrf', g.csrf], ...fields]) });
  assert.equal(noCookie.status, 403);
  const wrong = await call(srv.base, 'POST', '/report', { xff, jar: 'td_csrf=' + 'a'.repeat(64), multipart: multipart([['csrf', g.csrf], ...fields]) });
  assert.equal(wrong.status, 403);

  const post = await call(srv.base, 'POST', '/report', { xff, jar: g.jar, multipart: multipart([['csrf', g.csrf], ...fields]) });
  assert.equal(post.status, 303, post.text.slice(0, 3000));
  assert.equal(post.headers.get('location'), '/report/receipt', 'post-redirect-get');
  assert.doesNotMatch(post.text, /\d{4} \d{4} \d{4} \d{4} \d{4}/, 'the POST answer itself holds no receipt');
  const sc = { value: post.cookies.td_session, raw: post.setCookies.td_session };
  assert.ok(sc.value, 'a victim session cookie');
  assert.match(sc.raw, /^td_session=[0-9a-f]{64}\.[0-9a-f]{64}; .*HttpOnly.*SameSite=Strict/);
  rememberCookie(sc.value);
  const r = await call(srv.base, 'GET', '/report/receipt', { xff, cookie: sc.value, jar: receiptJar(post) });
  assert.equal(r.status, 201, r.text.slice(0, 3000));
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const m = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(r.text);
  assert.ok(m, 'the receipt is on the page');
  const receipt = m[1];
  assert.match(receipt, RECEIPT_RE);
  rememberReceipt(receipt);
  const digits = receipt.replace(/ /g, '');
  for (const u of attrUrls(r.text)) {
    for (const form of [receipt, digits, receipt.replace(/ /g, '+'), receipt.replace(/ /g, '%20')])
      assert.ok(!u.value.includes(form), `the receipt is not in ${u.attr}=${u.value}`);
  }
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(r.text)[1];
  assert.notEqual(csrf, g.csrf, 'the saved form carries the session token, not the anonymous one');

  // "I have saved it" unticked: 303 back to the receipt page, which shows it once more with a
  // reminder, still no-store.
  const notSaved = await call(srv.base, 'POST', '/report/saved', { xff, cookie: sc.value, form: { csrf, receipt } });
  assert.equal(notSaved.status, 303);
  assert.equal(notSaved.headers.get('location'), '/report/receipt');
  const again = await call(srv.base, 'GET', '/report/receipt', { xff, cookie: sc.value, jar: receiptJar(notSaved) });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('cache-control'), 'no-store');
  assert.ok(again.text.includes(`<p class="receipt-code" lang="en">${receipt}</p>`), 'the same receipt is shown again');
  assert.ok(again.text.includes(htmlEscape(t('receipt.confirm_first'))));
  const savedNoCsrf = await call(srv.base, 'POST', '/report/saved', { xff, cookie: sc.value, form: { receipt, saved: 'yes' } });
  assert.equal(savedNoCsrf.status, 403);
  const anonSaved = await call(srv.base, 'POST', '/report/saved', { xff, jar: g.jar, form: { csrf: g.csrf, saved: 'yes' } });
  assert.equal(anonSaved.status, 303, 'without a session: sent to the follow-up page');
  assert.match(anonSaved.headers.get('location'), /^\/follow-up/);
  const saved = await call(srv.base, 'POST', '/report/saved', { xff, cookie: sc.value, form: { csrf, receipt, saved: 'yes' } });
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.get('location'), '/my');

  const my = await call(srv.base, 'GET', '/my', { xff, cookie: sc.value });
  assert.equal(my.status, 200);
  assert.equal(my.headers.get('cache-control'), 'no-store');
  assert.equal(countMatches(my.text, /<li class="copy">/g), 2, 'both copies are listed');
  assert.equal(countMatches(my.text, new RegExp(reEscape(htmlEscape(t('victim.state.reported'))), 'g')), 2, 'in plain language');
  assert.ok(my.text.includes(t('platform.douyin')), 'the platform by name');
  assert.ok(my.text.includes('https://www.douyin.com/video/7300000000000000777'));
  assert.ok(my.text.includes(htmlEscape(holder)), 'the offline holder');
  const view = await myCase(srv.base, sc.value, xff);
  assert.ok(Buffer.from(view.body.targets[1].label).equals(Buffer.from(holder)), 'Chinese typed into the form round-trips byte for byte');
  assert.ok(my.text.includes(t('victim.case.open')));
  const en = await call(srv.base, 'GET', '/my', { xff, cookie: sc.value, lang: 'en' });
  assert.ok(en.text.includes(t('victim.state.reported', 'en')));
  assert.ok(en.text.includes('Douyin'));

  // A signed-in victim who opens the follow-up page goes to the status page.
  const fu = await call(srv.base, 'GET', '/follow-up', { xff, cookie: sc.value });
  assert.equal(fu.status, 303);
  assert.equal(fu.headers.get('location'), '/my');

  // The same report as a plain urlencoded POST (no files) is accepted too.
  const g2 = await getPage(srv.base, '/report', { xff: addr() });
  const xff2 = addr();
  const plain = await call(srv.base, 'POST', '/report', { xff: xff2, jar: g2.jar, form: [['csrf', g2.csrf], ...fields] });
  assert.equal(plain.status, 303, plain.text.slice(0, 2000));
  rememberCookie(plain.cookies.td_session);
  const pp = await call(srv.base, 'GET', '/report/receipt', { xff: xff2, cookie: plain.cookies.td_session, jar: receiptJar(plain) });
  const pr = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(pp.text);
  rememberReceipt(pr[1]);
});

test('form: an invalid report comes back with everything typed and each bad field marked', async () => {
  const name = '李四 <b>"引号"&\'';
  const description = '第一行:他拍了视频。\n第二行 <script>alert(1)</script> & 更多';
  const link0 = 'https://www.douyin.com/video/7300000000000000888?a=1&b=2';
  const fields = validFormFields({
    'requester.name': name,
    description,
    'targets[0].url': link0,
    'targets[0].note': '备注一',
    'targets[1].kind': 'online',
    'targets[1].url': 'javascript:alert(1)',
    'targets[1].note': '备注二',
    'targets[2].kind': 'offline',
    'targets[2].holder': '路人乙',
    'targets[2].where': '',
    'requester.contact.value': 'not-an-email',
    signature: '',
  });
  const r = await postReportForm(srv.base, fields);
  assert.equal(r.status, 422);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.cookies.td_session, undefined, 'nothing filed');
  const h = r.text;
  // Kept, HTML-escaped.
  assert.ok(h.includes(`name="requester.name" value="${htmlEscape(name)}"`), 'the name is kept');
  // A multipart body carries line breaks as CRLF (as browsers send them): kept as sent.
  assert.ok(h.includes(`>${htmlEscape(description.replace(/\n/g, '\r\n'))}</textarea>`), 'the description is kept');
  assert.ok(!h.includes('<script>alert(1)</script>'), 'typed markup is escaped');
  assert.ok(h.includes(`name="targets[0].url" value="${htmlEscape(link0)}"`), 'the good link is kept as typed');
  assert.ok(h.includes('name="targets[1].url" value="javascript:alert(1)"'), 'the bad link is kept for fixing');
  assert.ok(h.includes('name="targets[0].note" value="备注一"') && h.includes('name="targets[1].note" value="备注二"'));
  assert.ok(h.includes('name="targets[2].holder" value="路人乙"'), 'the offline row is kept');
  assert.ok(h.includes('name="contact_email" value="not-an-email"'), 'the address is kept in the field of its way');
  assert.match(h, /name="requester.role" value="self" checked/);
  assert.match(h, /<option value="intimate" selected>/);
  assert.match(h, /name="risk.extortion" value="on" checked/);
  assert.match(h, /name="good_faith" value="on" checked/);
  assert.match(h, /name="requester.contact.channel" value="email" checked/);
  // Marked: the field wrappers, the messages, and a summary linking to each field.
  assert.match(h, /<div class="field invalid">\s*<label for="f-signature">/);
  assert.match(h, /<div class="field invalid">\s*<label for="f-targets_1_url">/);
  assert.match(h, /id="f-targets_1_url" name="targets\[1\]\.url" value="javascript:alert\(1\)" maxlength="2048" aria-invalid="true"/);
  assert.match(h, /<div class="field invalid">\s*<label for="f-targets_2_where">/);
  assert.match(h, /<div class="field for-email invalid">\s*<label for="f-contact_email">/);
  assert.doesNotMatch(h, /<div class="field invalid">\s*<label for="f-targets_0_url">/, 'the good link is not marked');
  assert.doesNotMatch(h, /<div class="field invalid">\s*<label for="f-requester_name">/);
  assert.match(h, /id="error-summary"/);
  for (const a of ['signature', 'targets_1_url', 'targets_2_where', 'contact_email']) {
    assert.ok(h.includes(`href="#f-${a}"`), `the summary links to #f-${a}`);
    assert.ok(h.includes(`id="f-${a}"`), `#f-${a} exists`);
  }
  assert.ok(h.includes(`<p class="field-error" id="e-targets_1_url">${htmlEscape(t('field.url.not_http'))}</p>`));
  assert.ok(h.includes(htmlEscape(t('field.contact_email.invalid_email'))));
  assert.ok(h.includes(htmlEscape(t('field.where.required'))));

  // English.
  const en = await postReportForm(srv.base, fields, { lang: 'en' });
  assert.equal(en.status, 422);
  assert.match(en.text, /<html lang="en">/);
  assert.ok(en.text.includes(t('form.errors.title', 'en')));
  assert.ok(en.text.includes(htmlEscape(t('field.url.not_http', 'en'))));
  assert.ok(en.text.includes(htmlEscape(t('field.where.required', 'en'))));

  // Bounds on the form side: characters, not bytes.
  const long = await postReportForm(srv.base, validFormFields({ 'requester.name': zh(101), description: zh(5001), signature: zh(100) }));
  assert.equal(long.status, 422);
  assert.match(long.text, /<div class="field invalid">\s*<label for="f-requester_name">/);
  assert.match(long.text, /<div class="field invalid">\s*<label for="f-description">/);
  assert.doesNotMatch(long.text, /<div class="field invalid">\s*<label for="f-signature">/, '100 characters of signature are fine');
  assert.ok(long.text.includes(`value="${zh(101)}"`), 'the over-long name is kept');
  const atMax = await postReportForm(srv.base, validFormFields({ 'requester.name': zh(100), description: zh(5000), signature: zh(100) }));
  assert.equal(atMax.status, 303, 'every bound reached exactly is accepted');

  // No targets at all and no good faith: the copies and the statement are marked.
  const empty = await postReportForm(srv.base, validFormFields({ 'targets[0].url': '', good_faith: null }));
  assert.equal(empty.status, 422);
  // No row at all: the first link is marked, where one is missing.
  assert.match(empty.text, /<p class="field-error" id="e-targets_0_url">/);
  assert.ok(empty.text.includes('href="#f-targets_0_url"'));
  assert.match(empty.text, /<fieldset id="f-good_faith" class="sign">/);
  assert.match(empty.text, /name="good_faith" value="on" aria-invalid="true" aria-describedby="e-good_faith"/);
});

test('form: a typed fingerprint is kept when the form comes back with an error', async () => {
  const fp = 'cd'.repeat(32);
  const r = await postReportForm(srv.base, validFormFields({ 'fingerprints[0].value': fp, signature: '' }));
  assert.equal(r.status, 422);
  assert.ok(r.text.includes(`name="fingerprints[0].value" value="${fp}"`), 'the fingerprint is kept');
});

test('form: a bad fingerprint is marked', async () => {
  const r = await postReportForm(srv.base, validFormFields({ 'fingerprints[0].value': 'a'.repeat(63) }));
  assert.equal(r.status, 422);
  assert.match(r.text, /<p class="field-error" id="f-fingerprints_0_value">/);
  assert.ok(r.text.includes('href="#f-fingerprints_0_value"'));
});

test('form: "add another copy" re-renders with one more row and everything typed', async () => {
  const fields = validFormFields({
    'requester.name': '赵六',
    description: '描述会保留',
    'targets[0].url': 'https://weibo.com/1/AbC',
    'targets[0].note': '第一条',
    'targets[1].holder': '店主',
    'targets[1].where': '门口',
  });
  const xff = addr();
  const r = await postReportForm(srv.base, [...fields, ['action', 'add_online']], { xff });
  assert.equal(r.status, 200);
  assert.equal(r.cookies.td_session, undefined, 'nothing filed');
  assert.equal(countMatches(r.text, /name="targets\[\d+\]\.url"/g), 2, 'one more online row');
  assert.equal(countMatches(r.text, /name="targets\[\d+\]\.holder"/g), 1);
  assert.ok(r.text.includes('name="targets[0].url" value="https://weibo.com/1/AbC"'));
  assert.ok(r.text.includes('name="targets[0].note" value="第一条"'));
  assert.equal(countMatches(r.text, /name="targets\[\d+\]\.url" value=""/g), 1, 'the new row is empty');
  const blank = /name="(targets\[\d+\]\.url)" value=""/.exec(r.text)[1];
  assert.notEqual(blank, 'targets[0].url');
  assert.ok(r.text.includes('value="店主"'), 'the offline row is kept');
  assert.ok(r.text.includes('name="requester.name" value="赵六"'));
  assert.ok(r.text.includes('>描述会保留</textarea>'));
  assert.match(r.text, /name="good_faith" value="on" checked/);
  assert.doesNotMatch(r.text, /class="field invalid"/, 'adding a row is not an error');
  assert.doesNotMatch(r.text, /id="error-summary"/);

  // Pressed again with the second row filled: three rows, both links kept, nothing lost.
  const rows = [...r.text.matchAll(/name="(targets\[\d+\]\.(?:kind|url|note|holder|where))" value="([^"]*)"/g)].map((m) => [m[1], m[2]]);
  const again = rows.map(([n, v]) => [n, n === blank ? 'https://www.zhihu.com/question/9' : v]);
  const rest = fields.filter(([n]) => !n.startsWith('targets['));
  const r2 = await postReportForm(srv.base, [...rest, ...again, ['action', 'add_online']], { xff });
  assert.equal(r2.status, 200);
  assert.equal(countMatches(r2.text, /name="targets\[\d+\]\.url"/g), 3);
  assert.ok(r2.text.includes('value="https://weibo.com/1/AbC"') && r2.text.includes('value="https://www.zhihu.com/question/9"'));
  assert.ok(r2.text.includes('value="店主"'));

  // Another offline row.
  const off = await postReportForm(srv.base, [...fields, ['action', 'add_offline']], { xff });
  assert.equal(off.status, 200);
  assert.equal(countMatches(off.text, /name="targets\[\d+\]\.holder"/g), 2);
  assert.equal(countMatches(off.text, /name="targets\[\d+\]\.url"/g), 1);

  // Files chosen before adding a row are not kept, and the page says so.
  const withFile = await postReportForm(srv.base, [...fields, ['action', 'add_online']], { xff, files: [{ name: 'a.png', bytes: png() }] });
  assert.equal(withFile.status, 200);
  assert.ok(withFile.text.includes(t('upload.choose_again')));
  await assertTmpEmpty(main.dir, 'nothing left in files/tmp');

  // The submitted form from the last step is accepted as a report.
  const done = await postReportForm(srv.base, [...rest, ...again]);
  assert.equal(done.status, 303, done.text.slice(0, 2000));
  const v = await myCase(srv.base, done.cookie);
  assert.deepEqual(v.body.targets.map((x) => x.platform).sort(), ['offline', 'weibo', 'zhihu']);
  assert.equal(v.body.targets.find((x) => x.platform === 'offline').label, '店主');
});

// ---- 5 ----

test('screenshots: types from the bytes, at most 10 files of 10 MiB, encrypted on disk, nothing left behind', async () => {
  const dir = main.dir;
  const before = new Set(filesIn(dir));
  const newFiles = () => filesIn(dir).filter((f) => !before.has(f));
  const fields = validFormFields();
  const mk = hexMarker('ImgMarker');
  scan.texts.add(mk);

  // One PNG with a marker inside its bytes and in its name.
  const one = png(mk);
  const r1 = await postReportForm(srv.base, fields, { files: [{ name: `shot-${mk}.png`, bytes: one, type: 'image/png' }] });
  assert.equal(r1.status, 303, r1.text.slice(0, 2000));
  assert.equal((await myCase(srv.base, r1.cookie)).body.screenshots, 1);
  let added = newFiles();
  assert.equal(added.length, 1, 'one file in files/');
  assert.match(added[0], /^[0-9a-f]{32}$/, 'a random name, not the original one');
  const stored = readFileSync(path.join(dir, 'files', added[0]));
  assert.ok(stored.length > one.length, 'the file is the ciphertext (longer than the image)');
  assert.ok(!stored.includes(PNG_SIG), 'no PNG signature on disk');
  assert.ok(!stored.includes(Buffer.from(mk)), 'no marker on disk');
  assert.ok(!stored.includes(one.subarray(one.length - 64)), 'no image bytes on disk');
  await assertTmpEmpty(dir);
  for (const f of added) before.add(f);

  // Ten files.
  const ten = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}.png`, bytes: png(mk + i) }));
  const r10 = await postReportForm(srv.base, fields, { files: ten });
  assert.equal(r10.status, 303);
  assert.equal((await myCase(srv.base, r10.cookie)).body.screenshots, 10);
  added = newFiles();
  assert.equal(added.length, 10);
  for (const f of added) assert.ok(!readFileSync(path.join(dir, 'files', f)).includes(PNG_SIG));
  for (const f of added) before.add(f);
  await assertTmpEmpty(dir);

  // Eleven: refused with the form, and not one file left anywhere.
  const eleven = [...ten, { name: 's10.png', bytes: png() }];
  const r11 = await postReportForm(srv.base, validFormFields({ 'requester.name': '保留的名字' }), { files: eleven });
  assert.equal(r11.status, 422);
  assert.ok(r11.text.includes(t('upload.too_many')));
  assert.match(r11.text, /<div class="field invalid">\s*<label for="screenshots">/);
  assert.ok(r11.text.includes('value="保留的名字"'), 'the form keeps what was typed');
  assert.equal(r11.cookies.td_session, undefined);
  assert.deepEqual(newFiles(), [], 'no file kept from a refused report');
  await assertTmpEmpty(dir, 'files/tmp is empty');

  // Exactly 10 MiB is accepted; one byte more is refused.
  const big = Buffer.alloc(10 * MiB);
  PNG_SIG.copy(big);
  const rBig = await postReportForm(srv.base, fields, { files: [{ name: 'big.png', bytes: big }] });
  assert.equal(rBig.status, 303, rBig.text.slice(0, 1000));
  added = newFiles();
  assert.equal(added.length, 1);
  const bigStored = readFileSync(path.join(dir, 'files', added[0]));
  assert.ok(bigStored.length >= 10 * MiB, 'all of it stored');
  assert.ok(!bigStored.includes(Buffer.alloc(256)), 'no run of plaintext zeros on disk');
  for (const f of added) before.add(f);
  const tooBig = Buffer.alloc(10 * MiB + 1);
  PNG_SIG.copy(tooBig);
  const rTooBig = await postReportForm(srv.base, fields, { files: [{ name: 'big.png', bytes: tooBig }] });
  assert.equal(rTooBig.status, 422);
  assert.ok(rTooBig.text.includes(t('upload.too_large')));
  assert.deepEqual(newFiles(), []);
  await assertTmpEmpty(dir);

  // Not an image: refused whatever the name or claimed type says; long or short.
  for (const bytes of [Buffer.from('This is a text file pretending to be a PNG image.\n'), Buffer.from('hi')]) {
    const rTxt = await postReportForm(srv.base, fields, { files: [{ name: 'x.png', bytes, type: 'image/png' }] });
    assert.equal(rTxt.status, 422, `${bytes.length} bytes of text`);
    assert.ok(rTxt.text.includes(t('upload.type')));
  }
  // One good and one bad file: the whole report is refused and the good file is not kept.
  const mixed = await postReportForm(srv.base, fields, { files: [{ name: 'ok.png', bytes: png() }, { name: 'x.gif', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') }] });
  assert.equal(mixed.status, 422);
  assert.ok(mixed.text.includes(t('upload.type')));
  assert.deepEqual(newFiles(), []);
  await assertTmpEmpty(dir);

  // A good image with an otherwise invalid form: refused, file dropped, and the page says so.
  const invalid = await postReportForm(srv.base, validFormFields({ signature: '' }), { files: [{ name: 'a.png', bytes: png() }] });
  assert.equal(invalid.status, 422);
  assert.ok(invalid.text.includes(t('upload.choose_again')));
  assert.deepEqual(newFiles(), []);
  await assertTmpEmpty(dir);

  // JPEG, GIF, WebP and HEIC; and a PNG called notes.txt sent as text/plain (the bytes decide).
  const kinds = [
    { name: 'a.jpg', bytes: jpeg(mk), type: 'image/jpeg' },
    { name: 'b.gif', bytes: gif(mk), type: 'image/gif' },
    { name: 'c.webp', bytes: webp(mk), type: 'image/webp' },
    { name: 'd.heic', bytes: heic(mk), type: 'image/heic' },
    { name: 'notes.txt', bytes: png(mk), type: 'text/plain' },
  ];
  const rKinds = await postReportForm(srv.base, fields, { files: kinds });
  assert.equal(rKinds.status, 303, rKinds.text.slice(0, 2000));
  assert.equal((await myCase(srv.base, rKinds.cookie)).body.screenshots, 5);
  added = newFiles();
  assert.equal(added.length, 5);
  for (const f of added) {
    const b = readFileSync(path.join(dir, 'files', f));
    assert.ok(!b.includes(Buffer.from(mk)), 'no marker on disk');
    assert.ok(!b.includes(Buffer.from('JFIF')) && !b.includes(Buffer.from('GIF89a')) && !b.includes(Buffer.from('WEBPVP8')) && !b.includes(Buffer.from('ftypheic')));
  }
  await assertTmpEmpty(dir);
});

// ---- 6 ----

test('receipts: wrong or erased is 401 (API and page), brute force is limited per address', async () => {
  const c = await newCase(srv.base);
  const digits = c.receipt.replace(/ /g, '');
  const other = digits.slice(0, 19) + ((Number(digits[19]) + 1) % 10);
  // Each part from its own address: five wrong tries from one address are all it gets.
  let xff = addr();

  const wrong = await receiptSession(srv.base, other, xff);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'bad_receipt');
  assert.equal(wrong.cookies.td_session, undefined);
  const short = await receiptSession(srv.base, digits.slice(0, 19), xff);
  assert.equal(short.status, 401, 'nineteen digits');
  assert.deepEqual(short.body, wrong.body, 'a malformed receipt looks the same as a wrong one');
  const letters = await receiptSession(srv.base, digits.slice(0, 19) + 'x', xff);
  assert.equal(letters.status, 401);
  const missing = await call(srv.base, 'POST', '/api/v1/receipt/session', { xff, json: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.field, 'receipt');

  // The follow-up page: 401 with the form again; the right receipt goes on to /my.
  xff = addr();
  const g = await getPage(srv.base, '/follow-up', { xff });
  assert.equal(g.status, 200);
  const pageWrong = await call(srv.base, 'POST', '/follow-up', { xff, jar: g.jar, form: { csrf: g.csrf, receipt: other } });
  assert.equal(pageWrong.status, 401);
  assert.match(pageWrong.headers.get('content-type'), /^text\/html/);
  assert.ok(pageWrong.text.includes(t('error.bad_receipt')));
  assert.match(pageWrong.text, /<form method="post" action="\/follow-up"/);
  assert.match(pageWrong.text, /name="receipt"/);
  // Issue 13: the digits typed are kept in the field for fixing (the page is never stored).
  assert.ok(pageWrong.text.includes(`value="${other}"`), 'the typed receipt is kept in its field');
  assert.equal(pageWrong.headers.get('cache-control'), 'no-store');
  const pageNoCsrf = await call(srv.base, 'POST', '/follow-up', { xff, jar: g.jar, form: { receipt: c.receipt } });
  assert.equal(pageNoCsrf.status, 403);
  const fullWidth = [...c.receipt].map((ch) => (ch === ' ' ? '\u3000' : String.fromCharCode(0xff10 + Number(ch)))).join('');
  const pageOk = await call(srv.base, 'POST', '/follow-up', { xff, jar: g.jar, form: { csrf: g.csrf, receipt: fullWidth } });
  assert.equal(pageOk.status, 303);
  assert.equal(pageOk.headers.get('location'), '/my');
  assert.ok(pageOk.cookies.td_session);
  rememberCookie(pageOk.cookies.td_session);

  // Erase through the API (needs the token), then the receipt is 401 everywhere.
  xff = addr();
  const noToken = await call(srv.base, 'DELETE', '/api/v1/my/case', { cookie: c.cookie, xff });
  assert.equal(noToken.status, 403);
  assert.equal((await myCase(srv.base, c.cookie, xff)).status, 200, 'not erased without the token');
  const erased = await call(srv.base, 'DELETE', '/api/v1/my/case', { cookie: c.cookie, csrf: c.csrf, xff });
  assert.equal(erased.status, 200);
  assert.equal(erased.body.erased, true);
  assert.match(erased.setCookies.td_session, /^td_session=; .*Max-Age=0/);
  const afterApi = await receiptSession(srv.base, c.receipt, xff);
  assert.equal(afterApi.status, 401);
  assert.equal(afterApi.body.error.code, 'bad_receipt');
  const afterPage = await call(srv.base, 'POST', '/follow-up', { xff, jar: g.jar, form: { csrf: g.csrf, receipt: c.receipt } });
  assert.equal(afterPage.status, 401);
  assert.equal((await myCase(srv.base, c.cookie, xff)).status, 401, 'the old session is gone');
  assert.equal((await myCase(srv.base, pageOk.cookies.td_session, xff)).status, 401, 'every session of the case is gone');

  // Brute force: five wrong from one address, then 429 even for a right receipt. The clock is held
  // still: five Argon2id runs on a loaded machine outlast the first 2 s wait (it failed so once).
  const d = await newCase(srv.base);
  const bf = addr();
  assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
  try {
    const dd = d.receipt.replace(/ /g, '');
    for (let i = 1; i <= 5; i++) {
      const guess = dd.slice(0, 16) + String((Number(dd.slice(16)) + i) % 10000).padStart(4, '0');
      const r = await receiptSession(srv.base, guess, bf);
      assert.equal(r.status, 401, `guess ${i}`);
    }
    const sixth = await receiptSession(srv.base, d.receipt, bf);
    assert.equal(sixth.status, 429, 'the 6th attempt from that address is limited');
    assert.equal(sixth.body.error.code, 'rate_limited');
    const ra = Number(sixth.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 3600, `Retry-After ${sixth.headers.get('retry-after')}`);
    const gp = await getPage(srv.base, '/follow-up', { xff: bf });
    const limitedPage = await call(srv.base, 'POST', '/follow-up', { xff: bf, jar: gp.jar, form: { csrf: gp.csrf, receipt: d.receipt } });
    assert.equal(limitedPage.status, 429);
    assert.ok(Number(limitedPage.headers.get('retry-after')) >= 1);
    const elsewhere = await receiptSession(srv.base, '1234 5678 9012 3456 7890', addr());
    assert.equal(elsewhere.status, 401, 'another address is not limited');
    const right = await receiptSession(srv.base, d.receipt, addr());
    assert.equal(right.status, 200);
  } finally {
    assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=0', { json: {} })).status, 200);
  }
});

// ---- 7 ----

test('messages: API with the token, bounds, and the page form', async () => {
  const c = await newCase(srv.base);
  const send = (body, opts = {}) => call(srv.base, 'POST', '/api/v1/my/messages', { cookie: c.cookie, xff: c.xff, csrf: c.csrf, json: { body }, ...opts });
  const ok = await send('请尽快处理,谢谢。');
  assert.equal(ok.status, 201);
  assert.equal(ok.body.sent, true);
  const noToken = await call(srv.base, 'POST', '/api/v1/my/messages', { cookie: c.cookie, xff: c.xff, json: { body: 'x' } });
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body.error.code, 'csrf');
  const badToken = await send('x', { csrf: 'e'.repeat(64) });
  assert.equal(badToken.status, 403);
  const anon = await call(srv.base, 'POST', '/api/v1/my/messages', { xff: c.xff, json: { body: 'x' } });
  assert.equal(anon.status, 401);
  for (const [body, code] of [['', 'required'], [' \n\t ', 'required'], [null, 'required'], [zh(2001), 'too_long'], ['a\u0007b', 'invalid']]) {
    const r = await send(body);
    assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 20)}`);
    assert.equal(r.body.error.field, 'body');
    assert.equal(r.body.errors[0].code, code);
  }
  const longest = emoji(2000);
  const atMax = await send(longest);
  assert.equal(atMax.status, 201, '2000 characters (8000 bytes) are fine');
  const v = await myCase(srv.base, c.cookie, c.xff);
  assert.deepEqual(v.body.messages.map((m) => m.body), ['请尽快处理,谢谢。', longest], 'only the accepted messages, in order');
  assert.ok(v.body.messages.every((m) => m.author === 'victim' && Number.isInteger(m.at)));

  // The page.
  const pageMsg = '页面留言 ' + ZH;
  const p = await call(srv.base, 'POST', '/my/messages', { cookie: c.cookie, xff: c.xff, form: { csrf: c.csrf, body: pageMsg } });
  assert.equal(p.status, 303);
  assert.match(p.headers.get('location'), /^\/my\?done=sent/);
  const pNo = await call(srv.base, 'POST', '/my/messages', { cookie: c.cookie, xff: c.xff, form: { body: 'no token' } });
  assert.equal(pNo.status, 403);
  const pEmpty = await call(srv.base, 'POST', '/my/messages', { cookie: c.cookie, xff: c.xff, form: { csrf: c.csrf, body: '   ' } });
  assert.equal(pEmpty.status, 422);
  assert.match(pEmpty.text, /<div class="field invalid">\s*<label for="f-body">/);
  const pLong = await call(srv.base, 'POST', '/my/messages', { cookie: c.cookie, xff: c.xff, form: { csrf: c.csrf, body: zh(2001) } });
  assert.equal(pLong.status, 422);
  assert.ok(pLong.text.includes(`>${zh(2001)}</textarea>`), 'the typed message is kept');
  const my = await call(srv.base, 'GET', '/my?done=sent', { cookie: c.cookie, xff: c.xff });
  assert.ok(my.text.includes(htmlEscape(pageMsg)));
  assert.ok(my.text.includes(t('my.done.sent')));
  const v2 = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v2.body.messages.length, 3);
  assert.ok(Buffer.from(v2.body.messages[2].body).equals(Buffer.from(pageMsg)), 'the page message round-trips byte for byte');
});

// ---- 8 ----

test('adding copies: API and page, canonicalised, bounded at 50 in all', async () => {
  const c = await newCase(srv.base);
  const add = (targets, opts = {}) => call(srv.base, 'POST', '/api/v1/my/targets', { cookie: c.cookie, xff: c.xff, csrf: c.csrf, json: { targets }, ...opts });
  const r = await add([{ kind: 'online', url: 'https://weibo.com/123/AbC?utm_source=x' }, { kind: 'offline', holder: '同事', where: '公司' }]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.total_targets, 4);
  const [t3, t4] = r.body.targets.slice(2);
  assert.deepEqual([t3.platform, t3.state, t3.label], ['weibo', 'reported', 'https://weibo.com/123/AbC']);
  assert.deepEqual([t4.platform, t4.state, t4.label], ['offline', 'reported', '同事']);
  const noToken = await call(srv.base, 'POST', '/api/v1/my/targets', { cookie: c.cookie, xff: c.xff, json: { targets: [{ url: 'https://weibo.com/1' }] } });
  assert.equal(noToken.status, 403);
  const bad = await add([{ kind: 'online', url: 'https://weibo.com/2' }, { kind: 'online', url: 'javascript:alert(1)' }]);
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => [e.field, e.code]), [['targets[1].url', 'not_http']]);
  const none = await add([]);
  assert.equal(none.status, 422);
  assert.equal(none.body.error.field, 'targets');
  assert.equal((await myCase(srv.base, c.cookie, c.xff)).body.total_targets, 4, 'nothing from refused calls');

  // The page form.
  const p = await call(srv.base, 'POST', '/my/targets', {
    cookie: c.cookie, xff: c.xff,
    form: [['csrf', c.csrf], ['targets[0].kind', 'online'], ['targets[0].url', 'https://www.zhihu.com/question/5'], ['targets[1].kind', 'offline'], ['targets[1].holder', ''], ['targets[1].where', '']],
  });
  assert.equal(p.status, 303);
  assert.equal(p.headers.get('location'), '/my?done=added');
  const pNo = await call(srv.base, 'POST', '/my/targets', { cookie: c.cookie, xff: c.xff, form: [['targets[0].url', 'https://www.zhihu.com/question/6']] });
  assert.equal(pNo.status, 403);
  const pBad = await call(srv.base, 'POST', '/my/targets', { cookie: c.cookie, xff: c.xff, form: [['csrf', c.csrf], ['targets[0].kind', 'online'], ['targets[0].url', 'ftp://x']] });
  assert.equal(pBad.status, 422);
  assert.match(pBad.text, /<div class="field invalid">\s*<label for="f-targets_0_url">/);
  assert.ok(pBad.text.includes('value="ftp://x"'));
  const pAdd = await call(srv.base, 'POST', '/my/targets', { cookie: c.cookie, xff: c.xff, form: [['csrf', c.csrf], ['targets[0].kind', 'online'], ['targets[0].url', 'https://weibo.com/7'], ['action', 'add_online']] });
  assert.equal(pAdd.status, 200);
  assert.equal(countMatches(pAdd.text, /name="targets\[\d+\]\.url"/g), 2, 'one more row on the status page too');
  assert.ok(pAdd.text.includes('value="https://weibo.com/7"'));
  let v = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v.body.total_targets, 5);
  assert.equal(v.body.targets[4].platform, 'zhihu');

  // Up to 50 in all, then too_many (API and page).
  const fill = Array.from({ length: 45 }, (_, i) => ({ kind: 'online', url: `https://weibo.com/fill/${i}` }));
  const full = await add(fill);
  assert.equal(full.status, 201);
  assert.equal(full.body.total_targets, 50);
  const over = await add([{ kind: 'online', url: 'https://weibo.com/51' }]);
  assert.equal(over.status, 422);
  assert.deepEqual(over.body.errors.map((e) => [e.field, e.code]), [['targets', 'too_many']]);
  const pOver = await call(srv.base, 'POST', '/my/targets', { cookie: c.cookie, xff: c.xff, form: [['csrf', c.csrf], ['targets[0].kind', 'online'], ['targets[0].url', 'https://weibo.com/52']] });
  assert.equal(pOver.status, 422);
  assert.ok(pOver.text.includes(t('field.too_many')));
  v = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v.body.total_targets, 50);
});

// ---- 9 ----

test('withdraw as a victim would: confirm page, every copy withdrawn, purge in 180 days, then 409', async () => {
  const c = await newCase(srv.base);
  const page = await call(srv.base, 'GET', '/my/withdraw', { cookie: c.cookie, xff: c.xff });
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`<input type="hidden" name="csrf" value="${c.csrf}">`));
  assert.match(page.text, /name="confirm" value="yes"/);
  const anon = await call(srv.base, 'GET', '/my/withdraw', { xff: c.xff });
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location'), /^\/follow-up\?next=/);
  const noConfirm = await call(srv.base, 'POST', '/my/withdraw', { cookie: c.cookie, xff: c.xff, form: { csrf: c.csrf } });
  assert.equal(noConfirm.status, 422);
  assert.ok(noConfirm.text.includes(t('confirm.missing')));
  const noCsrf = await call(srv.base, 'POST', '/my/withdraw', { cookie: c.cookie, xff: c.xff, form: { confirm: 'yes' } });
  assert.equal(noCsrf.status, 403);
  assert.equal((await myCase(srv.base, c.cookie, c.xff)).body.state, 'open', 'still open after refused attempts');

  const t0 = Math.floor(Date.now() / 1000);
  const done = await call(srv.base, 'POST', '/my/withdraw', { cookie: c.cookie, xff: c.xff, form: { csrf: c.csrf, confirm: 'yes' } });
  assert.equal(done.status, 303);
  assert.match(done.headers.get('location'), /^\/my(\?|$)/);
  const v = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(v.body.state, 'withdrawn');
  assert.equal(v.body.open_targets, 0);
  assert.deepEqual(v.body.targets.map((x) => x.state), ['withdrawn', 'withdrawn']);
  assert.ok(Math.abs(v.body.withdrawn_at - t0) < 120, `withdrawn_at ${v.body.withdrawn_at} is now`);
  assert.ok(Math.abs(v.body.purge_after - (v.body.withdrawn_at + 180 * DAY)) < 120, `purge_after ${v.body.purge_after} is 180 days ahead`);
  const my = await call(srv.base, 'GET', '/my', { cookie: c.cookie, xff: c.xff });
  assert.ok(my.text.includes(t('victim.case.withdrawn')));
  assert.ok(my.text.includes(t('victim.state.withdrawn')));
  assert.doesNotMatch(my.text, /action="\/my\/targets"/, 'no form to add copies any more');

  const again = await call(srv.base, 'POST', '/api/v1/my/withdraw', { cookie: c.cookie, xff: c.xff, csrf: c.csrf, json: {} });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'withdrawn');
  const add = await call(srv.base, 'POST', '/api/v1/my/targets', { cookie: c.cookie, xff: c.xff, csrf: c.csrf, json: { targets: [{ url: 'https://weibo.com/1' }] } });
  assert.equal(add.status, 409);
  const pAdd = await call(srv.base, 'POST', '/my/targets', { cookie: c.cookie, xff: c.xff, form: [['csrf', c.csrf], ['targets[0].kind', 'online'], ['targets[0].url', 'https://weibo.com/1']] });
  assert.equal(pAdd.status, 409);
  assert.equal((await myCase(srv.base, c.cookie, c.xff)).body.total_targets, 2);

  // The API path on another case.
  const d = await newCase(srv.base);
  const noTok = await call(srv.base, 'POST', '/api/v1/my/withdraw', { cookie: d.cookie, xff: d.xff, json: {} });
  assert.equal(noTok.status, 403);
  const w = await call(srv.base, 'POST', '/api/v1/my/withdraw', { cookie: d.cookie, xff: d.xff, csrf: d.csrf, json: {} });
  assert.equal(w.status, 200);
  assert.equal(w.body.state, 'withdrawn');
  assert.ok(w.body.targets.every((x) => x.state === 'withdrawn'));
});

// ---- 10 ----

test('erase as a victim would: confirm page, erased page, cookie cleared, receipt and files gone', async () => {
  const before = new Set(filesIn(main.dir));
  const r = await postReportForm(srv.base, validFormFields(), { files: [{ name: 'a.png', bytes: png() }, { name: 'b.jpg', bytes: jpeg() }] });
  assert.equal(r.status, 303);
  const mine = filesIn(main.dir).filter((f) => !before.has(f));
  assert.equal(mine.length, 2, 'the two screenshots are on disk');
  const xff = addr();

  const page = await call(srv.base, 'GET', '/my/erase', { cookie: r.cookie, xff });
  assert.equal(page.status, 200);
  assert.match(page.text, /<form method="post" action="\/my\/erase">/);
  const noConfirm = await call(srv.base, 'POST', '/my/erase', { cookie: r.cookie, xff, form: { csrf: r.csrf } });
  assert.equal(noConfirm.status, 422);
  const noCsrf = await call(srv.base, 'POST', '/my/erase', { cookie: r.cookie, xff, form: { confirm: 'yes' } });
  assert.equal(noCsrf.status, 403);
  assert.equal((await myCase(srv.base, r.cookie, xff)).status, 200, 'still there');
  assert.equal(filesIn(main.dir).filter((f) => mine.includes(f)).length, 2);

  const done = await call(srv.base, 'POST', '/my/erase', { cookie: r.cookie, xff, form: { csrf: r.csrf, confirm: 'yes' } });
  assert.equal(done.status, 200);
  assert.ok(done.text.includes(t('erased.title')));
  assert.match(done.setCookies.td_session, /^td_session=; Path=\/; Max-Age=0/);
  const api = await myCase(srv.base, r.cookie, xff);
  assert.equal(api.status, 401);
  const pg = await call(srv.base, 'GET', '/my', { cookie: r.cookie, xff });
  assert.equal(pg.status, 303);
  assert.match(pg.headers.get('location'), /^\/follow-up/);
  const again = await receiptSession(srv.base, r.receipt, xff);
  assert.equal(again.status, 401);
  assert.equal(again.body.error.code, 'bad_receipt');
  const left = filesIn(main.dir);
  assert.deepEqual(mine.filter((f) => left.includes(f)), [], 'the case\'s files are gone');
  for (const f of before) assert.ok(left.includes(f), 'other cases\' files stay');
});

test('contact (issue 13): phone|sms|email|trusted|none, old values still valid; each way checked; code word and trusted person kept for staff', async () => {
  const bad = async (contact, want) => {
    const r = await submitApi(srv.base, validReport({ requester: { role: 'self', contact } }), addr());
    assert.equal(r.status, 422, JSON.stringify(contact));
    assert.deepEqual(r.body.errors.map((e) => [e.field, e.code]), want, JSON.stringify(contact));
  };
  await bad({ channel: 'sms' }, [['requester.contact.value', 'required']]);
  await bad({ channel: 'sms', value: 'abc' }, [['requester.contact.value', 'invalid_phone']]);
  await bad({ channel: 'email', value: 'no-at' }, [['requester.contact.value', 'invalid_email']]);
  await bad({ channel: 'trusted' }, [['requester.contact.trusted_name', 'required'], ['requester.contact.trusted_contact', 'required']]);
  await bad({ channel: 'pigeon' }, [['requester.contact.channel', 'invalid']]);
  await bad({ channel: 'phone', value: '138 0000 0000', code_word: 'x'.repeat(51) }, [['requester.contact.code_word', 'too_long']]);
  for (const contact of [{ channel: 'phone', value: '138 0000 0000', code_word: 'x'.repeat(50) }, { channel: 'email', value: 'a@b.cn' }, { channel: 'none' }])
    assert.equal((await submitApi(srv.base, validReport({ requester: { role: 'self', contact } }), addr())).status, 201, 'old values stay valid');
  const undisclosed = validReport({ incident: { type: 'prefer_not_to_say' } });
  assert.equal((await submitApi(srv.base, undisclosed, addr())).status, 201, 'incident type "prefer not to say"');
  const r = await submitApi(srv.base, validReport({ requester: { role: 'self', contact: {
    channel: 'trusted', trusted_name: '王阿姨', trusted_contact: '139 0000 0000', code_word: '蓝色', safe_hours: '晚上', may_leave_message: true } } }), addr());
  assert.equal(r.status, 201);
  // The staff's case page shows the way in the reader's language, the trusted person, the code word.
  const staff = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'admin', password: main.pw } });
  assert.equal(staff.status, 200);
  const sc = staff.cookies.td_session;
  const view = await call(srv.base, 'GET', `/api/v1/staff/cases/${r.body.case}`, { cookie: sc });
  assert.equal(view.status, 200);
  assert.deepEqual(view.body.request.requester.contact, {
    channel: 'trusted', trusted_name: '王阿姨', trusted_contact: '139 0000 0000', code_word: '蓝色', safe_hours: '晚上',
    may_leave_message: true, do_not_contact: false });
  for (const lang of ['zh-CN', 'en']) {
    const pg = await call(srv.base, 'GET', `/staff/cases/${r.body.case}`, { cookie: sc, lang });
    assert.equal(pg.status, 200);
    for (const key of ['cw.contact.trusted', 'cw.contact.trusted_person', 'cw.contact.code_word', 'cw.contact.may_leave_message'])
      assert.ok(pg.text.includes(htmlEscape(t(key, lang))), `${lang}: ${key}`);
    assert.ok(pg.text.includes('王阿姨') && pg.text.includes('蓝色'));
  }
});

// ---- 11 ----

test('raw scan: nothing submitted (API or form) is in the database, the WAL, the files or the log', async () => {
  const dir = main.dir;
  const M = (tag) => marker(tag);
  const phone = '139' + String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, '0');
  scan.texts.add(phone);
  const fp = randomBytes(32).toString('hex');
  scan.texts.add(fp);
  const apiMarkers = {
    name: M('Name') + '张',
    safe: M('Safe'),
    place: M('Place'),
    police: M('Police'),
    description: '描述' + M('Desc'),
    note: M('Note'),
    holder: M('Holder'),
    where: M('Where'),
    signature: M('Sig'),
    path: M('Path'),
    message: M('Msg'),
    addedUrl: M('Added'),
  };
  const report = validReport({
    requester: { role: 'self', name: apiMarkers.name, contact: { channel: 'phone', value: phone, safe_hours: apiMarkers.safe, code_word: M('Code') } },
    incident: { type: 'crime', date: '2024-01-01', place: apiMarkers.place, police_case_no: apiMarkers.police },
    description: apiMarkers.description,
    signature: apiMarkers.signature,
    targets: [
      { kind: 'online', url: `https://example.org/${apiMarkers.path}`, note: apiMarkers.note },
      { kind: 'offline', holder: apiMarkers.holder, where: apiMarkers.where },
    ],
    fingerprints: [{ alg: 'sha256', value: fp }],
  });
  const c = await newCase(srv.base, report);
  // Issue 13: a trusted person's name and contact are sealed like the rest of the contact.
  const trusted = validReport({ requester: { role: 'self', contact: { channel: 'trusted', trusted_name: M('TName'), trusted_contact: M('TContact') + '@x.cn', code_word: M('TCode') } } });
  assert.equal((await submitApi(srv.base, trusted, addr())).status, 201);
  const m = await call(srv.base, 'POST', '/api/v1/my/messages', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: { body: apiMarkers.message } });
  assert.equal(m.status, 201);
  const a = await call(srv.base, 'POST', '/api/v1/my/targets', { cookie: c.cookie, csrf: c.csrf, xff: c.xff, json: { targets: [{ url: `weibo.com/${apiMarkers.addedUrl}` }] } });
  assert.equal(a.status, 201);

  // The form, with an email contact and a screenshot whose bytes and name carry markers.
  const emailUser = M('mail').toLowerCase();
  const img = M('Pixel');
  const fname = M('File');
  const formFp = randomBytes(32).toString('hex');
  scan.texts.add(formFp);
  const f = await postReportForm(srv.base, validFormFields({
    'requester.name': M('FName'),
    'requester.contact.value': `${emailUser}@example.cn`,
    'requester.contact.safe_hours': M('FSafe'),
    'incident.place': M('FPlace'),
    'incident.police_case_no': M('FPolice'),
    description: M('FDesc'),
    'targets[0].url': `看看 https://v.douyin.com/${M('FPath')}/ 复制`,
    'targets[0].note': M('FNote'),
    'targets[1].holder': M('FHolder'),
    'targets[1].where': M('FWhere'),
    'fingerprints[0].value': formFp,
    signature: M('FSig'),
  }), { files: [{ name: `${fname}.png`, bytes: png(img) }] });
  assert.equal(f.status, 303, f.text.slice(0, 2000));
  const fm = await call(srv.base, 'POST', '/my/messages', { cookie: f.cookie, xff: addr(), form: { csrf: f.csrf, body: M('FMsg') } });
  assert.equal(fm.status, 303);

  // Read everything in the data directory while the server is running (the WAL is live).
  const files = diskRoots(dir).flatMap(walk);
  const names = files.map((p) => path.relative(dir, p));
  assert.ok(scanReadStore(files), 'the scan read the database');
  assert.ok(names.some((n) => n.startsWith('files' + path.sep)), 'screenshots are in the scan');
  let bytesRead = 0;
  const whole = [];
  const found = [];
  for (const p of files) {
    const b = readFileSync(p);
    bytesRead += b.length;
    whole.push(b);
    const rel = path.relative(dir, p);
    for (const s of scan.texts) {
      for (const variant of new Set([s, s.toLowerCase(), s.toUpperCase()])) {
        if (b.includes(Buffer.from(variant, 'utf8'))) found.push(`${rel}: ${variant}`);
      }
    }
    for (const h of scan.hex) {
      if (b.includes(Buffer.from(h, 'utf8')) || b.includes(Buffer.from(h, 'hex'))) found.push(`${rel}: cookie part ${h.slice(0, 12)}…`);
    }
    for (const h of [fp, formFp]) if (b.includes(Buffer.from(h, 'hex'))) found.push(`${rel}: fingerprint bytes`);
  }
  assert.deepEqual(found, [], 'submitted values found in the clear');
  // Control: the scan sees what is stored in clear by design (ids, platforms, states).
  const all = Buffer.concat(whole);
  assert.ok(bytesRead > 64 * 1024, `read ${bytesRead} bytes`);
  assert.ok(all.includes(Buffer.from(c.caseId)), 'the case id is in clear');
  assert.ok(all.includes(Buffer.from('xiaohongshu')) || all.includes(Buffer.from('douyin')), 'a platform id is in clear');
  assert.ok(all.includes(Buffer.from('reported')), 'a state is in clear');
  assert.ok(scan.texts.size > 40, `${scan.texts.size} values scanned for`);

  // The server's log carries none of it either.
  const log = srv.log();
  const inLog = [...scan.texts].filter((s) => log.includes(s));
  assert.deepEqual(inLog, [], 'submitted values in the log');
});

// ---- 12 ----

test('every victim page: quick exit, nothing from another origin, strict CSP, no inline code', async () => {
  const xff = addr();
  const pages = [];
  const add = (name, r, status) => pages.push({ name, r, status });
  add('landing', await call(srv.base, 'GET', '/', { xff }), 200);
  add('landing en', await call(srv.base, 'GET', '/', { xff, lang: 'en' }), 200);
  const report = await getPage(srv.base, '/report', { xff });
  add('report', report, 200);
  add('follow-up', await call(srv.base, 'GET', '/follow-up', { xff }), 200);
  add('404', await call(srv.base, 'GET', '/no/such/page', { xff }), 404);
  const receipt = await postReportForm(srv.base, validFormFields());
  assert.equal(receipt.status, 303);
  add('receipt', receipt.page, 201);
  add('receipt shown once', await call(srv.base, 'GET', '/report/receipt', { xff, cookie: receipt.cookie, jar: receiptJar(receipt) }), 200);
  add('invalid report', await postReportForm(srv.base, validFormFields({ signature: '' })), 422);
  add('add a row', await postReportForm(srv.base, [...validFormFields(), ['action', 'add_online']]), 200);
  const notSaved = await call(srv.base, 'POST', '/report/saved', { xff, cookie: receipt.cookie, form: { csrf: receipt.csrf, receipt: receipt.receipt } });
  assert.equal(notSaved.status, 303);
  add('receipt not saved', await call(srv.base, 'GET', '/report/receipt', { xff, cookie: receipt.cookie, jar: receiptJar(notSaved) }), 201);
  add('wrong receipt', await call(srv.base, 'POST', '/follow-up', { xff, jar: report.jar, form: { csrf: report.csrf, receipt: '0000 0000 0000 0000 0000' } }), 401);
  add('csrf refused', await call(srv.base, 'POST', '/follow-up', { xff, jar: report.jar, form: { receipt: '1' } }), 403);
  add('my', await call(srv.base, 'GET', '/my', { xff, cookie: receipt.cookie }), 200);
  add('my en', await call(srv.base, 'GET', '/my', { xff, cookie: receipt.cookie, lang: 'en' }), 200);
  add('withdraw', await call(srv.base, 'GET', '/my/withdraw', { xff, cookie: receipt.cookie }), 200);
  add('erase', await call(srv.base, 'GET', '/my/erase', { xff, cookie: receipt.cookie }), 200);
  add('erased', await call(srv.base, 'POST', '/my/erase', { xff, cookie: receipt.cookie, form: { csrf: receipt.csrf, confirm: 'yes' } }), 200);

  const problems = [];
  for (const { name, r, status } of pages) {
    const bad = (msg) => problems.push(`${name}: ${msg}`);
    if (r.status !== status) bad(`status ${r.status}, want ${status}`);
    if (!/^text\/html/.test(r.headers.get('content-type') || '')) bad('not HTML');
    const h = r.text;
    const lang = /<html lang="en"[ >]/.test(h) ? 'en' : 'zh-CN';
    // Without JavaScript the link passes through /exit (which signs out); with it, exit.js
    // signs out in the background and goes straight to data-away.
    const exit = /<a class="quick-exit" id="quick-exit" href="\/exit" data-away="(https:\/\/[^"]+)" rel="noreferrer nofollow">([^<]+)<\/a>/.exec(h);
    if (!exit) bad('no quick-exit link');
    else {
      if (exit[1] !== t('exit.url', lang)) bad(`quick exit goes to ${exit[1]}`);
      if (exit[2] !== t('exit.label', lang)) bad(`quick exit says ${exit[2]}`);
    }
    for (const u of attrUrls(h)) {
      if (!/^(\/(?!\/)|#|\?)/.test(u.value)) bad(`${u.attr}="${u.value}" is not same-origin`);
    }
    if (/<(iframe|object|embed|base)\b/i.test(h)) bad('an iframe, object, embed or base element');
    if (/<style\b/i.test(h) || /\sstyle\s*=/i.test(h)) bad('inline style (blocked by the CSP)');
    if (/\son[a-z]+\s*=/i.test(h)) bad('an inline event handler (blocked by the CSP)');
    for (const s of h.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      if (!/\ssrc="\/static\//.test(s[1]) || s[2].trim()) bad(`an inline script: ${s[0].slice(0, 80)}`);
    }
    const csp = r.headers.get('content-security-policy') || '';
    if (!/default-src 'none'/.test(csp)) bad('CSP without default-src none');
    if (!/frame-ancestors 'none'/.test(csp)) bad('CSP without frame-ancestors none');
    if (/https?:|\*|'unsafe-inline'|'unsafe-eval'/.test(csp)) bad(`CSP allows more: ${csp}`);
    if (r.headers.get('referrer-policy') !== 'no-referrer') bad('Referrer-Policy');
    if (r.headers.get('cache-control') !== 'no-store') bad(`Cache-Control ${r.headers.get('cache-control')}`);
  }
  assert.deepEqual(problems, []);
  // The static files the pages load are there.
  for (const u of attrUrls(receipt.page.text).filter((x) => x.value.startsWith('/static/'))) {
    const s = await call(srv.base, 'GET', u.value, { xff });
    assert.equal(s.status, 200, u.value);
  }
});

// ---- 12b: the quick exit and the receipt shown once ----

// Every spelling of a receipt that a page could carry.
const receiptForms = (receipt) => [receipt, receipt.replace(/ /g, ''), receipt.replace(/ /g, '-'), receipt.replace(/ /g, '&nbsp;')];

test('quick exit: GET /exit ends the session on the server, clears the cookies, 303 to the neutral site', async () => {
  const c = await newCase(srv.base);
  const page = await getPage(srv.base, '/follow-up', { xff: c.xff });
  assert.ok(page.jar, 'an anonymous csrf cookie to clear');
  assert.equal((await myCase(srv.base, c.cookie, c.xff)).status, 200, 'signed in before');

  const out = await call(srv.base, 'GET', '/exit', { xff: c.xff, cookie: c.cookie, jar: page.jar });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), t('exit.url'), 'to the neutral site of the language');
  assert.equal(out.headers.get('cache-control'), 'no-store');
  assert.equal(out.headers.get('referrer-policy'), 'no-referrer');
  assert.match(out.setCookies.td_session || '', /^td_session=; Path=\/; Max-Age=0/);
  assert.match(out.setCookies.td_csrf || '', /^td_csrf=; Path=\/; Max-Age=0/);
  assert.equal(out.text, '', 'nothing of the case in the answer');

  // The session row is gone: the old cookie opens nothing, by API or page.
  const api = await myCase(srv.base, c.cookie, c.xff);
  assert.equal(api.status, 401);
  const my = await call(srv.base, 'GET', '/my', { xff: c.xff, cookie: c.cookie });
  assert.equal(my.status, 303);
  assert.match(my.headers.get('location'), /^\/follow-up/, '/my asks for the receipt again');
  // The receipt still works: leaving erased nothing.
  const back = await receiptSession(srv.base, c.receipt, c.xff);
  assert.equal(back.status, 200);

  // In English it leaves for the English neutral site; without any session it still leaves.
  const en = await call(srv.base, 'GET', '/exit', { xff: c.xff, cookie: back.cookie, lang: 'en' });
  assert.equal(en.status, 303);
  assert.equal(en.headers.get('location'), t('exit.url', 'en'));
  assert.equal((await myCase(srv.base, back.cookie, c.xff)).status, 401);
  const anon = await call(srv.base, 'GET', '/exit', { xff: c.xff });
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get('location'), t('exit.url'));
  assert.match(anon.setCookies.td_session || '', /Max-Age=0/);
  // A staff session is ended too: leaving means leaving, whoever pressed it.
  const staff = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'admin', password: main.pw } });
  assert.equal(staff.status, 200);
  const sc = staff.cookies.td_session;
  assert.equal((await call(srv.base, 'GET', '/api/v1/staff/me', { cookie: sc })).status, 200);
  assert.equal((await call(srv.base, 'GET', '/exit', { cookie: sc })).status, 303);
  assert.equal((await call(srv.base, 'GET', '/api/v1/staff/me', { cookie: sc })).status, 401);
});

test('receipt page: the form answers 303; the receipt is shown once, from memory only, never again', async () => {
  const xff = addr();
  const g = await getPage(srv.base, '/report', { xff });
  const post = await call(srv.base, 'POST', '/report', { xff, jar: g.jar, multipart: multipart([['csrf', g.csrf], ...validFormFields()]) });
  assert.equal(post.status, 303);
  assert.equal(post.headers.get('location'), '/report/receipt');
  assert.equal(post.text, '', 'the POST answer carries no page');
  const once = { value: post.cookies.td_receipt, raw: post.setCookies.td_receipt };
  assert.ok(once.value, 'a one-time receipt cookie');
  assert.match(once.raw, /^td_receipt=[0-9a-f]{32}; Path=\/report\/receipt; Max-Age=300; HttpOnly; SameSite=Strict/);
  const cookie = post.cookies.td_session;
  rememberCookie(cookie);

  const first = await call(srv.base, 'GET', '/report/receipt', { xff, cookie, jar: receiptJar(post) });
  // 201, not 200: browsers keep only 200 pages in the back-forward cache.
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('cache-control'), 'no-store');
  const m = /<p class="receipt-code" lang="en">([0-9 ]+)<\/p>/.exec(first.text);
  assert.ok(m, 'shown the first time');
  const receipt = m[1];
  assert.match(receipt, RECEIPT_RE);
  rememberReceipt(receipt);
  assert.match(first.setCookies.td_receipt || '', /^td_receipt=; Path=\/report\/receipt; Max-Age=0/, 'the one-time cookie is cleared');
  assert.match(first.text, /<html lang="zh-CN" data-private>/, 'marked for the back-forward cache script');
  assert.match(first.text, /<form method="post" action="\/report\/saved" class="no-print" autocomplete="off">/, 'the "I saved it" step');
  assert.doesNotMatch(first.text, /href="\/lang\//, 'no language switch: it would be a second GET that loses the receipt');
  assert.match(g.text, /name="switch_lang" value="en"/, 'other pages keep it (on the form, a button of the form)');

  // Unticked "I saved it" shows it once more; asked again and again, one case holds one entry.
  const csrf = /name="csrf" value="([0-9a-f]{64})"/.exec(first.text)[1];
  const again = [];
  for (let i = 0; i < 3; i++) {
    const r = await call(srv.base, 'POST', '/report/saved', { xff, cookie, form: { csrf, receipt } });
    assert.equal(r.status, 303);
    again.push(r);
  }
  for (const [i, r] of again.entries()) {
    const shown = await call(srv.base, 'GET', '/report/receipt', { xff, cookie, jar: receiptJar(r) });
    assert.equal(/class="receipt-code"/.test(shown.text), i === 2, `entry ${i}: only the newest is kept`);
  }

  // The second GET (Back, a restored tab, a reload) shows a kind page, never the receipt.
  const second = await call(srv.base, 'GET', '/report/receipt', { xff, cookie, jar: receiptJar(post) });
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('cache-control'), 'no-store');
  for (const f of receiptForms(receipt)) assert.ok(!second.text.includes(f), 'no receipt on the second GET');
  assert.ok(second.text.includes(htmlEscape(t('receipt.once.title'))));
  assert.ok(second.text.includes('href="/my"'), 'a signed-in reporter can still go on to the status page');
  assert.doesNotMatch(second.text, /class="receipt-code"/);
  // Without the session it says the same, and offers the follow-up page instead.
  const anon = await call(srv.base, 'GET', '/report/receipt', { xff, jar: receiptJar(post) });
  assert.ok(anon.text.includes(htmlEscape(t('receipt.once.title'))));
  assert.ok(anon.text.includes('href="/follow-up"'));
  assert.ok(!anon.text.includes('href="/my"'));
  // Another id, or none at all: the same kind page.
  for (const jar of ['td_receipt=' + '0'.repeat(32), 'td_receipt=xyz', undefined]) {
    const r = await call(srv.base, 'GET', '/report/receipt', { xff, cookie, jar });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.text, /class="receipt-code"/);
  }
  // The receipt that was shown is the one that opens the case.
  assert.equal((await receiptSession(srv.base, receipt, xff)).status, 200);

  // Nothing of the receipt reached the database, its WAL, any file or the log.
  const found = [];
  const disk = diskRoots(main.dir).flatMap(walk);
  for (const p of disk) {
    const b = readFileSync(p);
    for (const f of receiptForms(receipt)) if (b.includes(Buffer.from(f))) found.push(`${path.relative(main.dir, p)}: ${f.length}`);
  }
  assert.deepEqual(found, [], 'the receipt is nowhere on disk');
  assert.ok(scanReadStore(disk), 'the scan read the database');
  for (const f of receiptForms(receipt)) assert.ok(!srv.log().includes(f), 'nor in the log');
});

test('receipt page: the one-time entry lives five minutes and no longer', async () => {
  const s = await extraServer();
  const clock = async (q) => assert.equal((await call(s.base, 'POST', `/debug/clock?${q}`, { json: {} })).status, 200);
  await clock('freeze=1');
  try {
    const report = async () => {
      const r = await postReportForm(s.base, validFormFields(), { follow: false });
      assert.equal(r.status, 303);
      return r;
    };
    const show = (r) => call(s.base, 'GET', '/report/receipt', { cookie: r.cookie, jar: receiptJar(r) });
    // Not shown until asked: two minutes later it is still there.
    const early = await report();
    await clock('seconds=299');
    const a = await show(early);
    assert.match(a.text, /<p class="receipt-code" lang="en">\d{4}( \d{4}){4}<\/p>/, 'shown at 299 s');
    const late = await report();
    await clock('seconds=300');
    const b = await show(late);
    assert.doesNotMatch(b.text, /class="receipt-code"/, 'gone at 300 s');
    assert.ok(b.text.includes(htmlEscape(t('receipt.once.title'))));
  } finally {
    await clock('freeze=0');
  }
});

// ---- 13 ----

test('limits: 10 accepted reports per address, then 429 with Retry-After (API and form); refused ones never count; others unaffected', async () => {
  const s = await extraServer();
  const xff = addr();
  const statuses = [];
  // Ten accepted, each after a refused one (issue 13: a refused report does not count).
  for (let i = 0; i < 10; i++) {
    const bad = validReport();
    bad.signature = '';
    statuses.push((await submitApi(s.base, bad, xff)).status);
    statuses.push((await submitApi(s.base, validReport(), xff)).status);
  }
  assert.deepEqual(statuses, Array.from({ length: 20 }, (_, i) => (i % 2 ? 201 : 422)), 'the 10th accepted report passes');
  const eleventh = await submitApi(s.base, validReport(), xff);
  assert.equal(eleventh.status, 429, 'the 11th is limited');
  assert.equal(eleventh.body.error.code, 'rate_limited');
  const ra = Number(eleventh.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 60, `a wait of a minute at first: Retry-After ${eleventh.headers.get('retry-after')}`);
  // Limited, a refused report is still answered with its errors (422), and counts nothing.
  const invalid = validReport();
  invalid.signature = '';
  assert.equal((await submitApi(s.base, invalid, xff)).status, 422);
  const filesBefore = filesIn(main.dir);
  const fields = validFormFields({ description: '第十一份' });
  const form = await postReportForm(s.base, fields, { xff, files: [{ name: 'a.png', bytes: png() }] });
  assert.equal(form.status, 429, 'the form from the same address too');
  assert.deepEqual(filesIn(main.dir), filesBefore, 'a limited upload leaves no file');
  await assertTmpEmpty(main.dir);
  assert.ok(Number(form.headers.get('retry-after')) >= 1);
  assert.match(form.headers.get('content-type'), /^text\/html/);
  assert.match(form.text, /class="quick-exit"/, 'a page, with the quick exit');
  // The form comes back filled, with the wait in minutes, and asks for the screenshots again.
  assert.ok(form.text.includes('>第十一份</textarea>'), 'what was typed is kept');
  assert.ok(form.text.includes(`name="targets[0].url" value="${Object.fromEntries(fields)['targets[0].url']}"`));
  assert.ok(form.text.includes(t('report.limit.minutes_1')), 'you can send again in 1 minute');
  assert.ok(form.text.includes(t('upload.choose_again')), 'the screenshots are chosen again');
  const other = await submitApi(s.base, validReport(), addr());
  assert.equal(other.status, 201, 'another address is not limited');
  const still = await submitApi(s.base, validReport(), xff);
  assert.equal(still.status, 429);
  // A minute later (the service's clock, moved), the same address may send again.
  assert.equal((await call(s.base, 'POST', '/debug/clock?seconds=61', { json: {} })).status, 200);
  assert.equal((await submitApi(s.base, validReport(), xff)).status, 201, 'after the wait');
});

test('limits: overall submissions are bounded (burst 50, then 5 a second) across addresses', async () => {
  const s = await extraServer();
  const bad = validReport();
  bad.signature = ''; // fast 422s: only the limiter is measured
  // The clock is held still, so no token refills however slowly the requests arrive.
  assert.equal((await call(s.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
  const burst = (n) => Promise.all(Array.from({ length: n }, () => call(s.base, 'POST', '/api/v1/cases', { json: bad, xff: addr() })));
  const results = await burst(80);
  const passed = results.filter((r) => r.status === 422).length;
  const limited = results.filter((r) => r.status === 429);
  assert.equal(passed + limited.length, 80, 'only 422 or 429');
  assert.equal(passed, 50, 'the burst of 50 passes, and not one more');
  for (const r of limited) assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // One second later, 5 more; the 6th waits.
  assert.equal((await call(s.base, 'POST', '/debug/clock?seconds=1', { json: {} })).status, 200);
  const next = await burst(6);
  assert.equal(next.filter((r) => r.status === 422).length, 5, '5 a second');
});
