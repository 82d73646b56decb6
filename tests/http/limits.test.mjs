// Every request limit is a setting: through the real binary, a changed value takes effect on both
// sides (the last attempt allowed, the first refused), from a flag or the config file; the
// overall buckets are tested with the clock held still, never by how fast the machine is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, ctl, TAKEDOWND } from './lib.mjs';

const servers = [];
const dirs = [];
async function server(args = [], opts = {}) {
  const s = await startServer({ ...opts, args: ['--debug-routes', '--trust-proxy', ...args] });
  servers.push(s);
  return s;
}
after(async () => {
  for (const s of servers) {
    await s.stop();
    s.cleanup();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let addrN = 0;
const addr = () => `10.91.${(++addrN >> 8) & 255}.${addrN & 255}`;

async function call(base, method, p, { json, xff } = {}) {
  const headers = { 'X-Forwarded-For': xff || addr() };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  const body = /^application\/json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : null;
  return { status: res.status, headers: res.headers, body };
}
const clock = async (s, q) => assert.equal((await call(s.base, 'POST', `/debug/clock?${q}`, { json: {} })).status, 200);

// A report refused as incomplete (422): fast; it takes a token of the overall rate, but never
// counts against its address (only accepted reports do: issue 13).
const submit = (s, xff) => call(s.base, 'POST', '/api/v1/cases', { json: { language: 'zh-CN' }, xff });
// The smallest report that is accepted (201 on an initialised data dir).
const submitValid = (s, xff) => call(s.base, 'POST', '/api/v1/cases', {
  json: { requester: { role: 'self' }, incident: { type: 'other' }, good_faith: true, signature: 'x',
          targets: [{ kind: 'online', url: 'https://weibo.com/u/1' }] }, xff });
// A receipt that matches no case (401).
const receipt = (s, xff) => call(s.base, 'POST', '/api/v1/receipt/session', { json: { receipt: '1234 5678 9012 3456 7890' }, xff });
const staff = (s, login, password, xff) =>
  call(s.base, 'POST', '/api/v1/staff/session', { json: { login, password }, xff });

function assertLimited(r, what) {
  assert.equal(r.status, 429, what);
  assert.equal(r.body.error.code, 'rate_limited');
  assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
}

// An initialised data dir (keys, an admin account: a receipt sign-in needs it); returns {dir, pw}.
function staffDir() {
  const dir = tempDir('takedown-limits-');
  dirs.push(dir);
  const pw = 'Limits-' + randomBytes(8).toString('hex');
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(init.status, 0, init.stderr);
  return { dir, pw };
}

test('--submit-per-address 3 (from the config file): 3 accepted reports from one address pass, the 4th is 429; refused ones never count', async () => {
  const cfgDir = tempDir('takedown-limits-cfg-');
  dirs.push(cfgDir);
  const file = path.join(cfgDir, 'takedown.conf');
  writeFileSync(file, 'submit-per-address = 3\n');
  const { dir } = staffDir();
  const s = await server(['--config', file], { dataDir: dir });
  const xff = addr();
  for (let i = 1; i <= 5; i++) assert.equal((await submit(s, xff)).status, 422, `refused ${i}`);
  for (let i = 1; i <= 3; i++) assert.equal((await submitValid(s, xff)).status, 201, `accepted ${i}`);
  assertLimited(await submitValid(s, xff), 'the 4th from that address');
  assert.equal((await submitValid(s, addr())).status, 201, 'another address is not limited');
});

test('--submit-tries-per-address 3 --submit-burst 10, clock held still: a flood of refused reports from one address stops at its own limit and leaves the overall rate to others', async () => {
  const s = await server(['--submit-tries-per-address', '3', '--submit-burst', '10'], { dataDir: staffDir().dir });
  await clock(s, 'freeze=1');
  const flooder = addr();
  for (let i = 1; i <= 3; i++) assert.equal((await submit(s, flooder)).status, 422, `refused ${i}`);
  for (let i = 1; i <= 20; i++) assertLimited(await submit(s, flooder), `flood ${i}`);
  assert.equal((await submitValid(s, addr())).status, 201, 'a report from another address is filed');
  // Accepted reports do not use up an address's tries (they have --submit-per-address).
  const shelter = addr();
  for (let i = 1; i <= 4; i++) assert.equal((await submitValid(s, shelter)).status, 201, `accepted ${i}`);
  assert.equal((await submit(s, shelter)).status, 422, 'its tries are still there');
  // The wait: 10 s, then one more try, then twice as long.
  const waiting = await submit(s, flooder);
  assertLimited(waiting, 'still waiting');
  assert.equal(waiting.headers.get('retry-after'), '10');
  await clock(s, 'seconds=9');
  assertLimited(await submit(s, flooder), 'a second before the wait ends');
  await clock(s, 'seconds=1');
  assert.equal((await submit(s, flooder)).status, 422, 'one try once the wait is over');
  assert.equal((await submit(s, flooder)).headers.get('retry-after'), '20', 'the next wait doubles');
});

test('an IPv6 client is one address per /64 (its whole prefix is its own): a flood of refused reports over many of its addresses stops at the limit', async () => {
  const s = await server(['--submit-tries-per-address', '3', '--submit-burst', '50']);
  await clock(s, 'freeze=1');
  // One subscriber's /64 holds 2^64 addresses: each report from a new one of them.
  const mine = (i) => `2001:db8:7:1:${(i + 1).toString(16)}::${(i * 7 + 1).toString(16)}`;
  for (let i = 0; i < 3; i++) assert.equal((await submit(s, mine(i))).status, 422, `refused ${i + 1}`);
  for (let i = 3; i < 10; i++) assertLimited(await submit(s, mine(i)), `another address of the same /64, ${i + 1}`);
  assert.equal((await submit(s, '2001:db8:7:2::1')).status, 422, 'the next /64 is someone else');
  // IPv4 clients mapped into IPv6 are each their own address, not one /64 of them all.
  for (let i = 1; i <= 4; i++) assert.equal((await submit(s, `::ffff:10.92.0.${i}`)).status, 422, `mapped IPv4 ${i}`);
});

test('--submit-tries-per-address 2, clock held still: the form that used the last try says the wait has begun; the next is 429 with the form kept', async () => {
  const s = await server(['--submit-tries-per-address', '2']);
  await clock(s, 'freeze=1');
  const xff = addr();
  const post = async (withShot) => {
    const g = await fetch(s.base + '/report', { headers: { 'X-Forwarded-For': xff } });
    const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(await g.text())[1];
    const jar = /td_csrf=([0-9a-f]+)/.exec(g.headers.get('set-cookie'))[1];
    const fd = new FormData();
    for (const [k, v] of [['csrf', csrf], ['language', 'en'], ['incident.place', 'Kept-place']]) fd.append(k, v);
    if (withShot) fd.append('screenshots', new Blob([Buffer.alloc(64, 1)], { type: 'image/png' }), 'shot.png');
    const r = await fetch(s.base + '/report', { method: 'POST', body: fd, headers: { 'X-Forwarded-For': xff, Cookie: 'td_csrf=' + jar } });
    return { status: r.status, text: await r.text() };
  };
  const first = await post(false);
  assert.equal(first.status, 422);
  assert.ok(!first.text.includes('id="limit-alert"'), 'a try is left: no wait yet');
  const last = await post(false);
  assert.equal(last.status, 422);
  assert.ok(last.text.includes('id="limit-alert"'), 'the last try: the wait has begun, and the form says so');
  assert.ok(last.text.includes('value="Kept-place"'), 'what was typed is kept');
  const limited = await post(true);
  assert.equal(limited.status, 429);
  assert.ok(limited.text.includes('value="Kept-place"'));
});

test('--submit-burst 4 --submit-rate 2, clock held still: 4 pass across addresses, the 5th is 429; a second later 2 more', async () => {
  const s = await server(['--submit-burst', '4', '--submit-rate', '2']);
  await clock(s, 'freeze=1');
  for (let i = 1; i <= 4; i++) assert.equal((await submit(s)).status, 422, `submission ${i}`);
  assertLimited(await submit(s), 'the 5th overall');
  await clock(s, 'seconds=1');
  for (let i = 1; i <= 2; i++) assert.equal((await submit(s)).status, 422, `after a second, ${i}`);
  assertLimited(await submit(s), 'the 3rd in that second');
});

test('--receipt-tries-per-address 2, clock held still: 2 wrong receipts are 401, the 3rd is 429', async () => {
  const s = await server(['--receipt-tries-per-address', '2'], { dataDir: staffDir().dir });
  // Held still: the wait after the 2nd failure is 2 s, less than two Argon2id runs can take on a
  // busy machine under the sanitizers.
  await clock(s, 'freeze=1');
  const xff = addr();
  for (let i = 1; i <= 2; i++) assert.equal((await receipt(s, xff)).status, 401, `try ${i}`);
  assertLimited(await receipt(s, xff), 'the 3rd from that address');
  assert.equal((await receipt(s, addr())).status, 401, 'another address is not limited');
});

test('--receipt-burst 3 --receipt-rate 1, clock held still: 3 tries pass across addresses, the 4th is 429; a second later 1 more', async () => {
  const s = await server(['--receipt-burst', '3', '--receipt-rate', '1'], { dataDir: staffDir().dir });
  await clock(s, 'freeze=1');
  for (let i = 1; i <= 3; i++) assert.equal((await receipt(s)).status, 401, `try ${i}`);
  assertLimited(await receipt(s), 'the 4th overall');
  await clock(s, 'seconds=1');
  assert.equal((await receipt(s)).status, 401, 'one more after a second');
  assertLimited(await receipt(s), 'and not two');
});

test('--staff-tries-per-account 2 --staff-wait-ms 4000 --staff-wait-max-ms 6000: 2 wrong passwords are 401, the 3rd is 429; the waits follow the settings', async () => {
  const { dir, pw } = staffDir();
  const s = await server(['--staff-tries-per-account', '2', '--staff-wait-ms', '4000', '--staff-wait-max-ms', '6000'], { dataDir: dir });
  await clock(s, 'freeze=1');
  for (let i = 1; i <= 2; i++) assert.equal((await staff(s, 'admin', 'wrong-' + i, addr())).status, 401, `failure ${i}`);
  const third = await staff(s, 'admin', pw, addr());
  assertLimited(third, 'the 3rd attempt, even with the right password');
  assert.equal(third.headers.get('retry-after'), '4', 'the first wait is --staff-wait-ms');
  await clock(s, 'seconds=3');
  assertLimited(await staff(s, 'admin', pw, addr()), 'a second before the wait ends');
  await clock(s, 'seconds=1');
  assert.equal((await staff(s, 'admin', 'wrong-3', addr())).status, 401, 'tried once the wait is over');
  const capped = await staff(s, 'admin', pw, addr());
  assertLimited(capped, 'the next failure waits again');
  assert.equal(capped.headers.get('retry-after'), '6', 'doubled to 8 s, capped at --staff-wait-max-ms');
  await clock(s, 'seconds=6');
  assert.equal((await staff(s, 'admin', pw, addr())).status, 200, 'the right password after the wait');
});

test('--staff-tries-per-address 3, clock held still: 3 wrong sign-ins from one address are 401, the 4th is 429 for any login', async () => {
  const { dir, pw } = staffDir();
  const s = await server(['--staff-tries-per-address', '3'], { dataDir: dir });
  // Held still: the wait after the 3rd failure is --staff-wait-ms (1 s), which three Argon2id runs
  // outlast on a busy machine (this test once saw 200 for the 4th).
  await clock(s, 'freeze=1');
  const xff = addr();
  for (let i = 1; i <= 3; i++) assert.equal((await staff(s, `ghost-${i}`, 'wrong', xff)).status, 401, `failure ${i}`);
  assertLimited(await staff(s, 'admin', pw, xff), 'the 4th from that address');
  assert.equal((await staff(s, 'admin', pw, addr())).status, 200, 'another address signs in');
});

test('the limits are listed in --help with their defaults; a value out of bounds is one line and exit 2', () => {
  const help = spawnSync(TAKEDOWND, ['--help'], { encoding: 'utf8' });
  for (const [flag, def] of [
    ['submit-per-address', '10'], ['submit-tries-per-address', '30'], ['submit-rate', '5'], ['submit-burst', '50'],
    ['receipt-tries-per-address', '5'], ['receipt-rate', '20'], ['receipt-burst', '40'],
    ['staff-tries-per-account', '5'], ['staff-tries-per-address', '20'],
    ['staff-wait-ms', '1000'], ['staff-wait-max-ms', '900000'],
  ]) {
    const at = help.stdout.indexOf(`--${flag} `);
    assert.ok(at >= 0, `--${flag} in --help`);
    const next = help.stdout.indexOf('\n  --', at + 1);
    assert.match(help.stdout.slice(at, next), new RegExp(`\\(default ${def}\\b`), `--${flag} default ${def}`);
  }
  for (const [flag, bad] of [['submit-per-address', '0'], ['receipt-burst', '100001'], ['staff-wait-ms', '999']]) {
    const r = spawnSync(TAKEDOWND, [`--${flag}`, bad, '--data-dir', tempDir()], { encoding: 'utf8' });
    assert.equal(r.status, 2, `--${flag} ${bad}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(r.stderr, new RegExp(`bad value for --${flag}`));
  }
});
