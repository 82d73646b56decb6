// Helpers shared by the tests of what the store keeps when things go wrong (durability, iofault,
// fulldisk): calls as a victim, a staff member or a browser's form, reports with unique links,
// the transition chain, and the data directory as takedownctl sees it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ctl, call as callAs } from './lib.mjs';

// ---- addresses: one per submission or sign-in, so no per-address limit is what a test meets ----

let addrN = 0;
export const addr = () => {
  addrN++;
  return `10.${200 + (addrN >> 16)}.${(addrN >> 8) & 255}.${addrN & 255}`;
};

// The flags that take the limits out of the way (the tests measure what the disk does, not the
// limiter) and keep background work from writing between a test's steps.
export const QUIET_LIMITS = [
  '--trust-proxy',
  '--submit-per-address', '100000', '--submit-rate', '10000', '--submit-burst', '100000',
  '--receipt-tries-per-address', '1000', '--receipt-rate', '10000', '--receipt-burst', '100000',
  '--tick-seconds', '86400',
];

// One call (lib.mjs), from a fresh address unless one is given; throws when the connection
// fails (a killed server).
export const call = (base, method, p, opts = {}) => callAs(base, method, p, { ...opts, xff: opts.xff || addr() });

// ---- reports ----

let seq = 0;
// A report in the DESIGN section 7 shape whose link and phone number no other report has; the
// description carries a marker a page that keeps the form can be searched for.
export function report(o = {}) {
  seq++;
  const n = `${process.pid % 10000}${String(seq).padStart(5, '0')}`;
  return {
    language: 'zh-CN',
    requester: {
      role: 'self',
      name: '王小明',
      contact: { channel: 'phone', value: `+86 139-${n.slice(-8, -4)}-${n.slice(-4)}`, may_leave_message: false },
    },
    incident: { type: 'crime', date: '2024-05-01', place: '上海' },
    description: o.description || `在地铁站被人偷拍 ${randomBytes(4).toString('hex')}`,
    consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
    good_faith: true,
    signature: '王小明',
    targets: [{ kind: 'online', url: `https://www.douyin.com/video/73${n.padStart(17, '0')}`, platform: 'douyin' }],
    // Preliminary evidence, which the CN complaint route's notice needs.
    fingerprints: [{ alg: 'sha256', value: randomBytes(32).toString('hex') }],
  };
}

// The /report form's fields as a browser posts them (name/value pairs).
export function formFields(description) {
  seq++;
  const n = `${process.pid % 10000}${String(seq).padStart(5, '0')}`;
  return [
    ['language', 'zh-CN'],
    ['requester.role', 'self'],
    ['requester.name', '李华'],
    ['incident.type', 'intimate'],
    ['incident.date', '2024-03-08'],
    ['incident.place', '杭州'],
    ['description', description],
    ['targets[0].kind', 'online'],
    ['targets[0].url', `https://www.douyin.com/video/74${n.padStart(17, '0')}`],
    ['requester.contact.channel', 'email'],
    ['requester.contact.value', 'lihua@example.cn'],
    ['consent.share_identity_with_platform', 'no'],
    ['consent.preservation', 'none'],
    ['good_faith', 'on'],
    ['signature', '李华'],
  ];
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// A PNG-looking screenshot of about size bytes (random after the signature).
export function png(size = 4096) {
  return Buffer.concat([PNG_SIG, randomBytes(Math.max(0, size - PNG_SIG.length))]);
}

// Posts the report form as a browser does: GET /report for the anonymous csrf pair, then the
// multipart body with the screenshots. Returns the POST's answer.
export async function postForm(base, description, files = [], { lang } = {}) {
  const xff = addr();
  const g = await call(base, 'GET', '/report', { xff, lang });
  assert.equal(g.status, 200);
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  const fd = new FormData();
  fd.append('csrf', csrf);
  for (const [k, v] of formFields(description)) fd.append(k, v);
  if (!files.length) fd.append('screenshots', new Blob([]), '');
  for (const [i, bytes] of files.entries()) fd.append('screenshots', new Blob([bytes], { type: 'image/png' }), `shot${i}.png`);
  return call(base, 'POST', '/report', { xff, lang, jar: 'td_csrf=' + g.cookies.td_csrf, multipart: fd });
}

// ---- people ----

export async function staffSignIn(base, login, password) {
  const r = await call(base, 'POST', '/api/v1/staff/session', { json: { login, password } });
  assert.equal(r.status, 200, `${login} signs in: ${r.text}`);
  return { cookie: r.cookies.td_session, csrf: r.body.csrf, xff: addr() };
}

export function asStaff(base, who, method, p, json) {
  const unsafe = method !== 'GET';
  return call(base, method, p, { cookie: who.cookie, csrf: unsafe ? who.csrf : undefined, xff: who.xff, json: unsafe ? (json ?? {}) : undefined });
}

// Signs in with the receipt and opens the case: {status of the sign-in, case as the victim sees it}.
// A 503 is the service's "busy, try again" (Retry-After says when): right after a restart on a
// loaded machine a sign-in may meet it, and a victim's browser tries again. The test does as
// well, a bounded number of times, so that what it asserts is durability, not the machine's speed.
export async function openWithReceipt(base, receipt) {
  const xff = addr();
  let s;
  for (let i = 0; i < 10; i++) {
    s = await call(base, 'POST', '/api/v1/receipt/session', { json: { receipt }, xff });
    if (s.status !== 503 || s.body?.error?.code !== 'busy') break; /* a full disk's 503 is an answer */
    await new Promise((r) => setTimeout(r, 1000 * Math.min(5, Number(s.headers.get('retry-after')) || 1)));
  }
  if (s.status !== 200) return { status: s.status, text: s.text };
  const my = await call(base, 'GET', '/api/v1/my/case', { cookie: s.cookies.td_session, xff });
  return { status: my.status, view: my.body, text: my.text };
}

// ---- the transition chain of an online target (a douyin link, the CN complaint route) ----

export const CHAIN = ['reported', 'in_review', 'ready', 'notice_sent', 'acknowledged', 'removed', 'verified_gone', 'monitoring', 'closed'];
export const fieldsFor = (to) => (to === 'notice_sent' ? { reason: '未经同意拍摄并传播' } : {});

// ---- the data directory as the operator's tools see it ----

export function filesIn(dir, sub = 'files') {
  const d = path.join(dir, sub);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => statSync(path.join(d, f), { throwIfNoEntry: false })?.isFile()).sort();
}

// A refused upload's partial file goes when its request completes, just after the answer is sent:
// waits (bounded, 10 s) for files/tmp to empty rather than for a time.
export async function tmpEmptied(dir) {
  let left = filesIn(dir, 'files/tmp');
  for (let i = 0; i < 200 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = filesIn(dir, 'files/tmp');
  }
  return left;
}

// `takedownctl check`: integrity, foreign keys, every case with its copies, the audit chain, the
// file store against the database. Asserts it is whole.
export function assertWhole(dir, when) {
  const r = ctl(['check', '--data-dir', dir]);
  assert.equal(r.status, 0, `takedownctl check ${when}:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^integrity: ok$/m);
  assert.match(r.stdout, /^check: ok$/m);
  const v = ctl(['audit', 'verify', '--data-dir', dir]);
  assert.equal(v.status, 0, `takedownctl audit verify ${when}: ${v.stdout}${v.stderr}`);
  return r.stdout;
}

// Cases in the data directory (not withdrawn), from `takedownctl stats`.
export function caseCount(dir) {
  const r = ctl(['stats', '--data-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  const m = /^cases\s+active\s+(\d+)$/m.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}
