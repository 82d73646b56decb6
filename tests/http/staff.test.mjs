// Staff accounts over real HTTP against the real binaries: sign-in, sessions, expiry, backoff,
// the Argon2id bound, TOTP, required enrolment, pages, the role matrix, takedownctl, and a raw
// scan of the database files for secrets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, ctl, tempDir, base32Decode, totpAt, call, storeFiles } from './lib.mjs';

const SERVER_ARGS = ['--debug-routes', '--trust-proxy'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const marker = () => 'MarkerPw-' + randomBytes(8).toString('hex');

// ---- helpers ----

// Every secret the raw scan must not find, per data directory.
const secrets = new Map(); // dir -> {texts: Set<string>, hex: Set<string>, raw: Buffer[]}
function remember(dir, { text = [], hex = [], raw = [] }) {
  if (!secrets.has(dir)) secrets.set(dir, { texts: new Set(), hex: new Set(), raw: [] });
  const s = secrets.get(dir);
  for (const t of text) s.texts.add(t);
  for (const h of hex) s.hex.add(h);
  for (const r of raw) s.raw.push(r);
}

// A fresh data directory with an admin and the given users ({login: role}); passwords are markers.
function makeDir(users = {}) {
  const dir = tempDir('takedown-staff-');
  const pw = { admin: marker() };
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]);
  assert.equal(init.status, 0, init.stderr);
  const m = /^recovery-key: (\S+)$/m.exec(init.stdout);
  assert.ok(m, 'init prints the recovery key: ' + init.stdout);
  const recovery = m[1];
  for (const [login, role] of Object.entries(users)) {
    pw[login] = marker();
    const r = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', role, login],
      [pw.admin, pw[login], pw[login]]);
    assert.equal(r.status, 0, r.stderr);
  }
  const noDash = recovery.replace(/-/g, '');
  remember(dir, {
    text: [...Object.values(pw), recovery, noDash],
    raw: [base32Decode(noDash.slice(0, 52)).subarray(0, 32)],
  });
  return { dir, pw, recovery };
}

// API sign-in; returns the call plus cookie and csrf on success (and remembers the cookie).
async function signIn(base, dir, login, password, { xff, totp } = {}) {
  const json = { login, password };
  if (totp !== undefined) json.totp = totp;
  const r = await call(base, 'POST', '/api/v1/staff/session', { json, xff });
  if (r.status === 200) {
    r.cookie = r.cookies.td_session;
    r.csrf = r.body.csrf;
    const [id, key] = r.cookie.split('.');
    remember(dir, { hex: [id, key] });
  }
  return r;
}

async function me(base, cookie, xff) {
  return call(base, 'GET', '/api/v1/staff/me', { cookie, xff });
}

// The server's clock may run ahead of ours (earlier tests shift it): offset is how far, in s.
const stepNow = (offset = 0) => Math.floor((Date.now() / 1000 + offset) / 30);

// Waits until we are safely inside a 30 s step (not within 3 s of either edge).
async function midStep(offset = 0) {
  for (;;) {
    const s = (Date.now() / 1000 + offset) % 30;
    if (s > 3 && s < 26) return;
    await sleep(500);
  }
}

// ---- the shared server ----

let main; // {dir, pw, recovery}
let srv;
const others = []; // servers to stop at the end
const dirs = []; // data directories to remove

before(async () => {
  main = makeDir({ cw1: 'caseworker', aud1: 'auditor', bf1: 'caseworker', bf2: 'caseworker', bf3: 'caseworker', tm1: 'caseworker', totp1: 'caseworker' });
  dirs.push(main.dir);
  srv = await startServer({ dataDir: main.dir, args: SERVER_ARGS });
});

after(async () => {
  for (const s of others) await s.stop();
  if (srv) await srv.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// ---- 1 ----

test('API sign-in: session cookie, csrf, me; wrong password and unknown login look the same', async () => {
  const xff = '10.1.0.1';
  const r = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(r.status, 200);
  assert.match(r.body.csrf, /^[0-9a-f]{64}$/);
  assert.equal(r.body.login, 'cw1');
  assert.equal(r.body.totp_enrolment_required, false);
  assert.match(r.setCookies.td_session, /^td_session=[0-9a-f]{64}\.[0-9a-f]{64}; /);
  assert.match(r.setCookies.td_session, /; HttpOnly(;|$)/);
  assert.match(r.setCookies.td_session, /; SameSite=Strict(;|$)/);
  assert.match(r.setCookies.td_session, /; Path=\/(;|$)/);
  assert.equal(r.headers.get('cache-control'), 'no-store');

  const m = await me(srv.base, r.cookie, xff);
  assert.equal(m.status, 200);
  assert.equal(m.body.login, 'cw1');
  assert.equal(m.body.role, 'caseworker');
  assert.equal(m.body.csrf, r.csrf, 'the same csrf token for the session');
  const anon = await me(srv.base, undefined, xff);
  assert.equal(anon.status, 401);
  assert.equal(anon.body.error.code, 'unauthorized');

  const wrong = await signIn(srv.base, main.dir, 'cw1', 'not-the-password-1', { xff });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'bad_credentials');
  assert.equal(wrong.cookies.td_session, undefined, 'no cookie on failure');
  const unknown = await signIn(srv.base, main.dir, 'nobody-here', 'not-the-password-1', { xff });
  assert.equal(unknown.status, 401);
  assert.deepEqual(unknown.body, wrong.body, 'same body for an unknown login');
  assert.deepEqual(Object.keys(unknown.body.error).sort(), ['code', 'message']);

  const missing = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1' }, xff });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'missing');
  assert.equal(missing.body.error.field, 'password');
  const noLogin = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { password: 'x' }, xff });
  assert.equal(noLogin.status, 400);
  assert.equal(noLogin.body.error.field, 'login');

  const form = await call(srv.base, 'POST', '/api/v1/staff/session', {
    form: { login: 'cw1', password: main.pw.cw1 }, xff,
  });
  assert.equal(form.status, 415);
  assert.equal(form.cookies.td_session, undefined);
});

// ---- 2 ----

test('sessions survive a restart; logout needs the csrf token; a tampered cookie is refused', async () => {
  const xff = '10.2.0.1';
  const a = await startServer({ dataDir: main.dir, args: SERVER_ARGS });
  const r = await signIn(a.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(r.status, 200);
  assert.equal((await me(a.base, r.cookie, xff)).status, 200);
  await a.stop();
  const b = await startServer({ dataDir: main.dir, args: SERVER_ARGS });
  others.push(b);
  const after = await me(b.base, r.cookie, xff);
  assert.equal(after.status, 200, 'the same cookie works after a restart');
  assert.equal(after.body.login, 'cw1');
  assert.equal(after.body.csrf, r.csrf, 'the csrf token survives too');

  // Tampered: one hex digit of the key part changed.
  const [id, key] = r.cookie.split('.');
  const flipped = key.slice(0, 10) + (key[10] === '0' ? '1' : '0') + key.slice(11);
  const tampered = await me(b.base, `${id}.${flipped}`, xff);
  assert.equal(tampered.status, 401);
  assert.equal(tampered.body.error.code, 'unauthorized');
  const badId = await me(b.base, (id[0] === 'a' ? 'b' : 'a') + id.slice(1) + '.' + key, xff);
  assert.equal(badId.status, 401);
  assert.equal((await me(b.base, r.cookie, xff)).status, 200, 'tampering did not end the real session');

  const noToken = await call(b.base, 'DELETE', '/api/v1/staff/session', { cookie: r.cookie, xff });
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body.error.code, 'csrf');
  const wrongToken = await call(b.base, 'DELETE', '/api/v1/staff/session', {
    cookie: r.cookie, xff, csrf: 'f'.repeat(64),
  });
  assert.equal(wrongToken.status, 403);
  assert.equal(wrongToken.body.error.code, 'csrf');
  // Another session's token is not this session's token.
  const other = await signIn(b.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(other.status, 200);
  assert.notEqual(other.csrf, r.csrf);
  const crossed = await call(b.base, 'DELETE', '/api/v1/staff/session', { cookie: r.cookie, xff, csrf: other.csrf });
  assert.equal(crossed.status, 403);
  assert.equal((await me(b.base, r.cookie, xff)).status, 200, 'still signed in after refused logouts');

  const out = await call(b.base, 'DELETE', '/api/v1/staff/session', { cookie: r.cookie, xff, csrf: r.csrf });
  assert.equal(out.status, 200);
  assert.match(out.setCookies.td_session, /^td_session=; .*Max-Age=0/);
  const gone = await me(b.base, r.cookie, xff);
  assert.equal(gone.status, 401);
  assert.equal((await me(b.base, other.cookie, xff)).status, 200, 'only that session ended');
  assert.equal((await me(srv.base, r.cookie, xff)).status, 401, 'gone for every server process');
});

// ---- 3 ----

test('expiry: 30 minutes idle, 12 hours absolute (server clock shifted)', async () => {
  const xff = '10.3.0.1';
  const s = await startServer({ dataDir: main.dir, args: SERVER_ARGS });
  others.push(s);
  const shift = async (n) => {
    const r = await call(s.base, 'POST', `/debug/clock?seconds=${n}`, { json: {} });
    assert.equal(r.status, 200);
  };
  // Idle: activity resets the idle clock; 1801 s without it ends the session.
  const idle = await signIn(s.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(idle.status, 200);
  await shift(1700);
  assert.equal((await me(s.base, idle.cookie, xff)).status, 200, '1700 s idle is fine');
  await shift(1700);
  assert.equal((await me(s.base, idle.cookie, xff)).status, 200, 'idle time counts from the last request');
  await shift(1801);
  const expired = await me(s.base, idle.cookie, xff);
  assert.equal(expired.status, 401, '1801 s idle ends the session');
  await shift(-1801 * 2);
  assert.equal((await me(s.base, idle.cookie, xff)).status, 401, 'an expired session is deleted, not revived');
  await shift(1801 * 2);

  // Absolute: active every 25 minutes, still over after 12 h.
  const abs = await signIn(s.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(abs.status, 200);
  let elapsed = 0;
  for (;;) {
    await shift(1500);
    elapsed += 1500;
    const r = await me(s.base, abs.cookie, xff);
    if (elapsed < 12 * 3600) {
      assert.equal(r.status, 200, `still signed in after ${elapsed} s`);
    } else {
      assert.equal(r.status, 401, `signed out after ${elapsed} s`);
      break;
    }
  }
  assert.equal(elapsed, 43500);
  await s.stop();
});

// ---- 4 ----


// The backoff tests hold the server's clock still, so that a slow machine (the sanitizer build
// under load) cannot let a backoff run out between two attempts; time moves only when a test
// moves it.
async function freezeClock(frozen) {
  const r = await call(srv.base, 'POST', `/debug/clock?freeze=${frozen ? 1 : 0}`, { json: {} });
  assert.equal(r.status, 200);
  return r.body.now;
}

test('the clock can be held still: a backoff then lasts however slow the client is', async () => {
  const t0 = await freezeClock(true);
  await sleep(1100);
  assert.equal(await freezeClock(true), t0, 'a frozen clock does not move with real time');
  const r = await call(srv.base, 'POST', '/debug/clock?seconds=5', { json: {} });
  assert.equal(r.body.now, t0 + 5, 'only a shift moves it');
});

test('per-account backoff: 5 failures, then the 6th attempt is 429 even with the right password', async () => {
  const xff = '10.4.0.1';
  for (let i = 1; i <= 5; i++) {
    const r = await signIn(srv.base, main.dir, 'bf1', 'wrong-password-' + i, { xff });
    assert.equal(r.status, 401, `failure ${i}`);
    assert.equal(r.body.error.code, 'bad_credentials');
  }
  const sixth = await signIn(srv.base, main.dir, 'bf1', main.pw.bf1, { xff });
  assert.equal(sixth.status, 429, 'the 6th attempt is limited');
  assert.equal(sixth.body.error.code, 'rate_limited');
  assert.ok(Number(sixth.headers.get('retry-after')) >= 1, 'Retry-After >= 1');
});

test('per-account backoff: once limited, refused even with the right password and from any address; others unaffected', async () => {
  // Independent of where exactly the limit starts: fail until limited (at most 7 tries).
  const xff = '10.4.1.1';
  let limited = null;
  for (let i = 1; i <= 7 && !limited; i++) {
    const r = await signIn(srv.base, main.dir, 'bf2', 'wrong-password-' + i, { xff });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited, 'limited within 7 attempts');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  const right = await signIn(srv.base, main.dir, 'bf2', main.pw.bf2, { xff: '10.4.1.2' });
  assert.equal(right.status, 429, 'the account is limited, not the address');
  assert.equal(right.body.error.code, 'rate_limited');
  assert.ok(Number(right.headers.get('retry-after')) >= 1);
  const other = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(other.status, 200, 'another account signs in from the same address');
  // The backoff ends: after Retry-After (moved on the server's clock) the right password works.
  const wait = Number(right.headers.get('retry-after'));
  const early = await call(srv.base, 'POST', `/debug/clock?seconds=${wait - 1}`, { json: {} });
  assert.equal(early.status, 200);
  const tooEarly = await signIn(srv.base, main.dir, 'bf2', main.pw.bf2, { xff });
  assert.equal(tooEarly.status, 429, 'one second before the wait is over, still limited');
  await call(srv.base, 'POST', '/debug/clock?seconds=1', { json: {} });
  const later = await signIn(srv.base, main.dir, 'bf2', main.pw.bf2, { xff });
  assert.equal(later.status, 200, 'the right password works once the wait is over');
});

test('per-address backoff: 20 failures over unknown logins, then 429 for any login from that address', async () => {
  const xff = '10.4.2.1';
  const attempts = [];
  for (let i = 1; i <= 20; i++) attempts.push(i);
  // Four at a time: the pool has two workers, the counts are kept after each run.
  for (let i = 0; i < attempts.length; i += 4) {
    const batch = await Promise.all(attempts.slice(i, i + 4).map((n) =>
      signIn(srv.base, main.dir, `ghost-${n}`, 'wrong-password-x', { xff })));
    for (const r of batch) assert.equal(r.status, 401);
  }
  const elsewhere = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff: '10.4.2.2' });
  assert.equal(elsewhere.status, 200, 'a different address still works');
  const limited = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff });
  assert.equal(limited.status, 429, 'the 21st attempt from that address is limited, even for a real account');
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});

test('per-address backoff: limited within 22 failures; a forged X-Forwarded-For prefix does not escape', async () => {
  const xff = '10.4.3.1';
  let limited = null;
  for (let i = 1; i <= 22 && !limited; i++) {
    const r = await signIn(srv.base, main.dir, `phantom-${i}`, 'wrong-password-y', { xff });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited, 'limited within 22 attempts');
  // Only the last hop counts: earlier entries are the client's to forge.
  const forged = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff: `1.2.3.4, ${xff}` });
  assert.equal(forged.status, 429);
  const clean = await signIn(srv.base, main.dir, 'cw1', main.pw.cw1, { xff: `${xff}, 10.4.3.2` });
  assert.equal(clean.status, 200);
});

test('per-account backoff holds under concurrency: 12 parallel guesses, at most 6 are tried', async () => {
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    signIn(srv.base, main.dir, 'bf3', 'wrong-password-' + i, { xff: `10.4.4.${i + 1}` })));
  const statuses = results.map((r) => r.status);
  for (const st of statuses) assert.ok(st === 401 || st === 429, 'status ' + st);
  const tried = statuses.filter((st) => st === 401).length;
  assert.ok(tried <= 6, `${tried} of 12 parallel wrong passwords were tried: ${statuses.join(',')}`);
});

test('the clock runs again after the backoff tests', async () => {
  await freezeClock(false);
  const a = await call(srv.base, 'POST', '/debug/clock?seconds=0', { json: {} });
  await sleep(1100);
  const b = await call(srv.base, 'POST', '/debug/clock?seconds=0', { json: {} });
  assert.ok(b.body.now > a.body.now, 'real time moves the clock again');
});

// Counted, not timed: an unknown or disabled login runs the same single Argon2id as a wrong
// password (a dummy unwrap), so timing cannot tell them apart. Counting does not depend on how
// fast the machine is; the times are printed for the curious.
test('an unknown login costs the same one Argon2id run as a wrong password', async (t) => {
  const xff = '10.4.5.1';
  const runs = async () => {
    const m = /^takedown_argon2_runs_total (\d+)$/m.exec(await (await fetch(srv.base + '/metrics')).text());
    assert.ok(m, 'takedown_argon2_runs_total is exported');
    return Number(m[1]);
  };
  const ms = { tm1: [], unknown: [] };
  for (let i = 0; i < 3; i++) {
    for (const login of ['tm1', 'nosuch-' + i]) {
      const before = await runs();
      const t0 = performance.now();
      const r = await signIn(srv.base, main.dir, login, 'wrong-password-t', { xff });
      ms[login === 'tm1' ? 'tm1' : 'unknown'].push(performance.now() - t0);
      assert.equal(r.status, 401);
      assert.equal(await runs() - before, 1, `${login}: exactly one Argon2id run`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  t.diagnostic(`median ms: known ${median(ms.tm1).toFixed(0)}, unknown ${median(ms.unknown).toFixed(0)}`);
});

// ---- 5 ----

// The slow-work load /metrics reports (jobs queued or running).
async function slowLoad(base) {
  const text = await (await fetch(base + '/metrics')).text();
  return Number(/^takedown_slow_work_load (\d+)$/m.exec(text)[1]);
}

test('Argon2id is bounded by --workers and /healthz answers during a sign-in burst', async (t) => {
  // Four slow-work threads but two Argon2id at a time. The threads are first held by jobs that
  // wait for /debug/release, so every sign-in of the burst is counted and queued before any can
  // finish, however fast or slow the machine.
  const s = await startServer({ dataDir: main.dir, args: [...SERVER_ARGS, '--workers', '2', '--work-threads', '4'] });
  others.push(s);
  // The holds end at /debug/release; their 120 s bound only keeps a failing test from hanging.
  const holds = Array.from({ length: 4 }, () => fetch(s.base + '/debug/slow?hold=1&ms=120000'));
  for (let i = 0; i < 4000 && await slowLoad(s.base) < 4; i++) await sleep(25);
  assert.equal(await slowLoad(s.base), 4, 'the four threads are held');
  let done = false;
  const burst = Promise.all(Array.from({ length: 8 }, (_, i) =>
    signIn(s.base, main.dir, 'cw1', main.pw.cw1, { xff: `10.5.0.${i + 1}` }))).finally(() => { done = true; });
  // The five attempts the account allows wait behind the held threads; the other three are
  // refused at once.
  for (let i = 0; i < 4000 && await slowLoad(s.base) < 9; i++) await sleep(25);
  assert.equal(await slowLoad(s.base), 9, 'five sign-ins queued behind the four held jobs');
  assert.equal((await fetch(s.base + '/debug/release', { method: 'POST' })).status, 200);
  for (const h of await Promise.all(holds)) assert.equal(h.status, 200);
  const times = [];
  while (!done) {
    const t0 = performance.now();
    const h = await fetch(s.base + '/healthz');
    times.push(performance.now() - t0);
    assert.equal(h.status, 200);
    await h.arrayBuffer();
    await sleep(20);
  }
  const results = await burst;
  // Attempts count against the account before they run, so a burst on one account is cut at its
  // free attempts (5) even though every password is right.
  const ok = results.filter((r) => r.status === 200).length;
  assert.equal(ok, 5, 'statuses ' + results.map((r) => r.status));
  for (const r of results) assert.ok(r.status === 200 || r.status === 429);
  // /healthz answered while the sign-ins still held the pool; how fast is the benchmark's to say
  // (a bound in ms here would fail on a busy machine).
  assert.ok(times.length >= 1, `polled /healthz ${times.length} times during the burst`);
  t.diagnostic(`slowest /healthz ${Math.max(...times).toFixed(0)} ms over ${times.length} polls`);
  const metrics = await (await fetch(s.base + '/metrics')).text();
  const m = /^takedown_argon2_peak (\d+)$/m.exec(metrics);
  assert.ok(m, 'takedown_argon2_peak is exported');
  const peak = Number(m[1]);
  assert.ok(peak > 0 && peak <= 2, `peak ${peak} within (0, 2]`);
  assert.match(metrics, /^takedown_argon2_active 0$/m);
  await s.stop();
});

// ---- 6 ----

let totpSecret = null;

test('TOTP: enrol with a QR code, confirm, then sign-in needs a fresh code; replays are refused', async () => {
  // Self-check of the test's own RFC 6238 code (RFC 6238 appendix B, T = 59 s).
  assert.equal(totpAt(Buffer.from('12345678901234567890'), 1), '287082');
  const xff = '10.6.0.1';
  const r = await signIn(srv.base, main.dir, 'totp1', main.pw.totp1, { xff });
  assert.equal(r.status, 200);
  const noCsrf = await call(srv.base, 'POST', '/api/v1/staff/totp', { cookie: r.cookie, xff, json: {} });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.body.error.code, 'csrf');
  const begin = await call(srv.base, 'POST', '/api/v1/staff/totp', { cookie: r.cookie, csrf: r.csrf, xff, json: {} });
  assert.equal(begin.status, 200);
  const { secret, uri, qr_svg: svg } = begin.body;
  assert.match(secret, /^[A-Z2-7]{32}$/, '20 random bytes in base32');
  assert.ok(uri.startsWith('otpauth://totp/'), uri);
  assert.ok(uri.includes('secret=' + secret), 'the uri carries the secret');
  assert.ok(svg.includes('<svg') && svg.includes('<rect'), 'an SVG QR code');
  totpSecret = secret;
  const key = base32Decode(secret);
  assert.equal(key.length, 20);
  remember(main.dir, { text: [secret], raw: [key] });

  const clock = await call(srv.base, 'POST', '/debug/clock?seconds=0', { json: {} });
  const offset = clock.body.now - Date.now() / 1000;
  await midStep(offset);
  const step = stepNow(offset);
  const window = new Set([-1, 0, 1].map((d) => totpAt(key, step + d)));
  let wrong = totpAt(key, step + 5);
  while (window.has(wrong)) wrong = String((Number(wrong) + 1) % 1e6).padStart(6, '0');
  const bad = await call(srv.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: r.cookie, csrf: r.csrf, xff, json: { code: wrong },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, 'totp_bad');
  assert.equal(bad.body.error.field, 'code');
  // Confirm with the previous step's code (allowed for drift) so the current one is still unused.
  const ok = await call(srv.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: r.cookie, csrf: r.csrf, xff, json: { code: totpAt(key, step - 1) },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.totp_enabled, true);

  const without = await signIn(srv.base, main.dir, 'totp1', main.pw.totp1, { xff });
  assert.equal(without.status, 401);
  assert.equal(without.body.error.code, 'totp_required');
  assert.equal(without.body.error.field, 'totp');
  assert.equal(without.cookies.td_session, undefined);
  const wrongPwWithCode = await signIn(srv.base, main.dir, 'totp1', 'wrong-password-z', { xff, totp: totpAt(key, step) });
  assert.equal(wrongPwWithCode.status, 401);
  assert.equal(wrongPwWithCode.body.error.code, 'bad_credentials');
  const code = totpAt(key, step);
  const withCode = await signIn(srv.base, main.dir, 'totp1', main.pw.totp1, { xff, totp: code });
  assert.equal(withCode.status, 200);
  assert.equal((await me(srv.base, withCode.cookie, xff)).body.login, 'totp1');
  const replay = await signIn(srv.base, main.dir, 'totp1', main.pw.totp1, { xff, totp: code });
  assert.equal(replay.status, 401, 'the same code twice');
  assert.equal(replay.body.error.code, 'totp_bad');
  assert.equal(replay.body.error.field, 'totp');
  const older = await signIn(srv.base, main.dir, 'totp1', main.pw.totp1, { xff, totp: totpAt(key, step - 1) });
  assert.equal(older.status, 401, 'an older code after a newer one was used');
  assert.equal(older.body.error.code, 'totp_bad');

  // The admin list shows the enrolment.
  const adm = await signIn(srv.base, main.dir, 'admin', main.pw.admin, { xff });
  const list = await call(srv.base, 'GET', '/api/v1/admin/staff', { cookie: adm.cookie, xff });
  assert.equal(list.status, 200);
  const row = list.body.staff.find((x) => x.login === 'totp1');
  assert.equal(row.totp, true);
  assert.equal(list.body.staff.find((x) => x.login === 'cw1').totp, false);

  // Replacing the generator needs a code from the one in use: a stolen session is not enough.
  const again = await call(srv.base, 'POST', '/api/v1/staff/totp', { cookie: withCode.cookie, csrf: withCode.csrf, xff, json: {} });
  assert.equal(again.status, 200);
  const key2 = base32Decode(again.body.secret);
  remember(main.dir, { text: [again.body.secret], raw: [key2] });
  const newCode = totpAt(key2, stepNow(offset));
  const noCurrent = await call(srv.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: withCode.cookie, csrf: withCode.csrf, xff, json: { code: newCode },
  });
  assert.equal(noCurrent.status, 422);
  assert.equal(noCurrent.body.error.code, 'totp_required');
  assert.equal(noCurrent.body.error.field, 'current');
  const usedCurrent = await call(srv.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: withCode.cookie, csrf: withCode.csrf, xff, json: { code: newCode, current: code },
  });
  assert.equal(usedCurrent.status, 422, 'an already used code of the old generator');
  assert.equal(usedCurrent.body.error.code, 'totp_bad');
  const replaced = await call(srv.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: withCode.cookie, csrf: withCode.csrf, xff, json: { code: newCode, current: totpAt(key, step + 1) },
  });
  assert.equal(replaced.status, 200, replaced.text);
  totpSecret = again.body.secret;
});

// ---- 7 ----

test('admin requires TOTP: sessions without it reach only the enrolment routes until they enrol', async () => {
  const d = makeDir({ cw7: 'caseworker' });
  dirs.push(d.dir);
  const s = await startServer({ dataDir: d.dir, args: SERVER_ARGS });
  others.push(s);
  const xff = '10.7.0.1';
  const adm = await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff });
  assert.equal(adm.status, 200);
  const noCsrf = await call(s.base, 'PUT', '/api/v1/admin/settings', { cookie: adm.cookie, xff, json: { require_totp: true } });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.body.error.code, 'csrf');
  const bad = await call(s.base, 'PUT', '/api/v1/admin/settings', { cookie: adm.cookie, csrf: adm.csrf, xff, json: { require_totp: 'yes' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, 'require_totp');
  const set = await call(s.base, 'PUT', '/api/v1/admin/settings', { cookie: adm.cookie, csrf: adm.csrf, xff, json: { require_totp: true } });
  assert.equal(set.status, 200);
  assert.equal(set.body.require_totp, true);

  const cw = await signIn(s.base, d.dir, 'cw7', d.pw.cw7, { xff });
  assert.equal(cw.status, 200);
  assert.equal(cw.body.totp_enrolment_required, true);
  const m = await me(s.base, cw.cookie, xff);
  assert.equal(m.status, 200);
  assert.equal(m.body.totp_enrolment_required, true);
  // A caseworker page that is not an enrolment route sends them to enrol.
  const home = await call(s.base, 'GET', '/staff', { cookie: cw.cookie, xff });
  assert.equal(home.status, 303);
  assert.equal(home.headers.get('location'), '/staff/totp');
  // The admin (also without TOTP) is held at enrolment on the admin API.
  const admList = await call(s.base, 'GET', '/api/v1/admin/staff', { cookie: adm.cookie, xff });
  assert.equal(admList.status, 403);
  assert.equal(admList.body.error.code, 'totp_enrolment_required');
  const adm2 = await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff });
  assert.equal(adm2.status, 200);
  assert.equal(adm2.body.totp_enrolment_required, true);
  const admSet = await call(s.base, 'PUT', '/api/v1/admin/settings', { cookie: adm2.cookie, csrf: adm2.csrf, xff, json: { require_totp: false } });
  assert.equal(admSet.status, 403);
  assert.equal(admSet.body.error.code, 'totp_enrolment_required');
  // Role checks still come first for the caseworker.
  const cwList = await call(s.base, 'GET', '/api/v1/admin/staff', { cookie: cw.cookie, xff });
  assert.equal(cwList.status, 403);

  // Enrolment routes work.
  const begin = await call(s.base, 'POST', '/api/v1/staff/totp', { cookie: cw.cookie, csrf: cw.csrf, xff, json: {} });
  assert.equal(begin.status, 200);
  const key = base32Decode(begin.body.secret);
  remember(d.dir, { text: [begin.body.secret], raw: [key] });
  await midStep();
  const conf = await call(s.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: cw.cookie, csrf: cw.csrf, xff, json: { code: totpAt(key, stepNow()) },
  });
  assert.equal(conf.status, 200);
  const m2 = await me(s.base, cw.cookie, xff);
  assert.equal(m2.body.totp_enrolment_required, false, 'enrolled: the same session is now whole');
  assert.equal((await call(s.base, 'GET', '/staff', { cookie: cw.cookie, xff })).status, 200);

  // The admin enrols too, then may switch the requirement off again.
  const ab = await call(s.base, 'POST', '/api/v1/staff/totp', { cookie: adm2.cookie, csrf: adm2.csrf, xff, json: {} });
  assert.equal(ab.status, 200);
  const akey = base32Decode(ab.body.secret);
  remember(d.dir, { text: [ab.body.secret], raw: [akey] });
  const ac = await call(s.base, 'POST', '/api/v1/staff/totp/confirm', {
    cookie: adm2.cookie, csrf: adm2.csrf, xff, json: { code: totpAt(akey, stepNow()) },
  });
  assert.equal(ac.status, 200);
  const list = await call(s.base, 'GET', '/api/v1/admin/staff', { cookie: adm2.cookie, xff });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.staff.map((x) => [x.login, x.totp]).sort(), [['admin', true], ['cw7', true]]);
});

// ---- 8 ----

test('staff pages: login form with csrf, wrong password keeps the login, redirect to /staff', async () => {
  const xff = '10.8.0.1';
  const page = await call(srv.base, 'GET', '/staff/login', { xff });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.text, /工作人员登录/, 'zh-CN by default');
  const hidden = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(page.text);
  assert.ok(hidden, 'a hidden csrf input');
  const c = { value: page.cookies.td_csrf, raw: page.setCookies.td_csrf };
  assert.ok(c.value, 'a td_csrf cookie');
  assert.notEqual(c.value, hidden[1], 'the field is made from the cookie (a MAC), not a copy of it');
  assert.match(c.raw, /HttpOnly/);
  assert.match(c.raw, /SameSite=Strict/);
  const en = await call(srv.base, 'GET', '/staff/login', { xff, headers: { 'Accept-Language': 'en' } });
  assert.match(en.text, /Staff sign-in/);
  const token = hidden[1];
  const jar = 'td_csrf=' + c.value;

  const noCsrf = await call(srv.base, 'POST', '/staff/login', { xff, jar, form: { login: 'cw1', password: main.pw.cw1 } });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.cookies.td_session, undefined);
  const noCookie = await call(srv.base, 'POST', '/staff/login', { xff, form: { csrf: token, login: 'cw1', password: main.pw.cw1 } });
  assert.equal(noCookie.status, 403);
  const mismatch = await call(srv.base, 'POST', '/staff/login', {
    xff, jar: 'td_csrf=' + 'a'.repeat(64), form: { csrf: token, login: 'cw1', password: main.pw.cw1 },
  });
  assert.equal(mismatch.status, 403);

  const wrong = await call(srv.base, 'POST', '/staff/login', {
    xff, jar, headers: { 'Accept-Language': 'en' }, form: { csrf: token, login: 'cw1', password: 'wrong-password-p' },
  });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('content-type'), /^text\/html/);
  assert.match(wrong.text, /<input type="text" id="login" name="login" value="cw1"/, 'the login is kept');
  assert.ok(!wrong.text.includes('wrong-password-p'), 'the password is not echoed');
  assert.match(wrong.text, /role="alert"/);

  const ok = await call(srv.base, 'POST', '/staff/login', { xff, jar, form: { csrf: token, login: 'cw1', password: main.pw.cw1 } });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/staff');
  const sess = { value: ok.cookies.td_session, raw: ok.setCookies.td_session };
  assert.ok(sess.value, 'a session cookie');
  assert.match(sess.raw, /^td_session=[0-9a-f]{64}\.[0-9a-f]{64}; .*HttpOnly.*SameSite=Strict/);
  remember(main.dir, { hex: sess.value.split('.') });
  const home = await call(srv.base, 'GET', '/staff', { xff, cookie: sess.value, headers: { 'Accept-Language': 'en' } });
  assert.equal(home.status, 200);
  assert.match(home.text, /cw1/);
  const anon = await call(srv.base, 'GET', '/staff', { xff });
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get('location'), '/staff/login?next=/staff');
  const loginAgain = await call(srv.base, 'GET', '/staff/login', { xff, cookie: sess.value });
  assert.equal(loginAgain.status, 303, 'signed in: the login page sends you on');

  // next: local staff paths only.
  const nextOk = await call(srv.base, 'POST', '/staff/login', {
    xff, jar, form: { csrf: token, login: 'cw1', password: main.pw.cw1, next: '/staff/totp' },
  });
  assert.equal(nextOk.status, 303);
  assert.equal(nextOk.headers.get('location'), '/staff/totp');
  const nextEvil = await call(srv.base, 'POST', '/staff/login', {
    xff, jar, form: { csrf: token, login: 'cw1', password: main.pw.cw1, next: '//evil.example/staff' },
  });
  assert.equal(nextEvil.status, 303);
  assert.equal(nextEvil.headers.get('location'), '/staff');

  // Page logout: csrf from the session.
  const logoutNo = await call(srv.base, 'POST', '/staff/logout', { xff, cookie: sess.value, form: {} });
  assert.equal(logoutNo.status, 403);
  const m = await me(srv.base, sess.value, xff);
  const logout = await call(srv.base, 'POST', '/staff/logout', { xff, cookie: sess.value, form: { csrf: m.body.csrf } });
  assert.equal(logout.status, 303);
  assert.equal(logout.headers.get('location'), '/staff/login');
  assert.equal((await me(srv.base, sess.value, xff)).status, 401);
});

// ---- 9 ----

test('authorization matrix: every protected route against anonymous, caseworker, auditor, admin', async () => {
  const xff = '10.9.0.1';
  const routes = (await call(srv.base, 'GET', '/debug/routes', { xff })).body.routes;
  const protectedRoutes = routes.filter((r) => r.access !== 0 && !r.pattern.startsWith('/debug/'));
  assert.ok(protectedRoutes.length >= 10, `found ${protectedRoutes.length} protected routes`);
  const METHODS = [[1, 'GET'], [2, 'HEAD'], [4, 'POST'], [8, 'PUT'], [16, 'DELETE']];
  const ROLES = { caseworker: ['cw1', 2], auditor: ['aud1', 8], admin: ['admin', 4] };
  const PLATFORM = 16; // ACCESS_PLATFORM in service/route.h
  const sessions = {};
  const login = async (role) => {
    const [who] = ROLES[role];
    const r = await signIn(srv.base, main.dir, who, main.pw[who], { xff });
    assert.equal(r.status, 200, `${role} signs in`);
    sessions[role] = r;
  };
  for (const role of Object.keys(ROLES)) await login(role);

  const failures = [];
  const check = (cond, msg) => { if (!cond) failures.push(msg); };
  let calls = 0;
  for (const route of protectedRoutes) {
    const p = route.pattern.replace(/\{[^}]+\}/g, '1');
    const api = p.startsWith('/api/');
    for (const [bit, method] of METHODS) {
      if (!(route.methods & bit)) continue;
      const unsafe = !['GET', 'HEAD'].includes(method);
      const body = (csrf) => (!unsafe ? {} : api ? { json: {} } : { form: csrf ? { csrf } : {} });
      const anon = await call(srv.base, method, p, { xff, ...body(null) });
      calls++;
      if (api) {
        check(anon.status === 401, `anonymous ${method} ${p}: ${anon.status}, want 401`);
        if (anon.status === 401) check(anon.body.error.code === 'unauthorized', `anonymous ${method} ${p}: code ${anon.body.error.code}`);
      } else {
        check(anon.status === 303, `anonymous ${method} ${p}: ${anon.status}, want 303`);
        check(/^\/(staff\/login|follow-up)\?next=/.test(anon.headers.get('location') || ''),
          `anonymous ${method} ${p}: location ${anon.headers.get('location')}`);
      }
      for (const [role, [, bitOfRole]] of Object.entries(ROLES)) {
        const s = sessions[role];
        const r = await call(srv.base, method, p, { xff, cookie: s.cookie, csrf: unsafe ? s.csrf : undefined, ...body(unsafe ? s.csrf : null) });
        calls++;
        if (route.access === PLATFORM) {
          // A platform desk's route takes its bearer token and nothing else: a session is no one.
          check(r.status === 401 && /^Bearer /.test(r.headers.get('www-authenticate') || ''),
            `${role} ${method} ${p}: ${r.status}, want 401 asking for a bearer token`);
        } else if (route.access & bitOfRole) {
          check(r.status !== 401 && r.status !== 403, `${role} ${method} ${p}: ${r.status}, want access`);
          check(!(r.status === 303 && /^\/staff\/login\?next=/.test(r.headers.get('location') || '')),
            `${role} ${method} ${p}: sent to sign in`);
        } else {
          check(r.status === 403, `${role} ${method} ${p}: ${r.status}, want 403`);
          if (api && r.status === 403) check(r.body.error.code === 'forbidden', `${role} ${method} ${p}: code ${r.body.error.code}`);
        }
        // Routes such as logout end the session: sign in again.
        if (unsafe && (await me(srv.base, s.cookie, xff)).status !== 200) await login(role);
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${calls} calls wrong`);
});

// ---- 10 ----

test('takedownctl: init, user add, recover, passwd, disable, help, audit verify', async () => {
  const d = makeDir({ cw10: 'caseworker' });
  dirs.push(d.dir);
  const s = await startServer({ dataDir: d.dir, args: SERVER_ARGS });
  others.push(s);
  const xff = '10.10.0.1';
  const p2 = marker();
  const again = ctl(['init', '--data-dir', d.dir, '--admin', 'admin2'], [p2, p2]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already initialised/);
  assert.ok(!/recovery-key/.test(again.stdout), 'no second recovery key');

  const np = marker();
  remember(d.dir, { text: [np] });
  const wrongAdmin = ctl(['user', 'add', '--data-dir', d.dir, '--as', 'admin', '--role', 'caseworker', 'cwx'], ['wrong-admin-password', np, np]);
  assert.equal(wrongAdmin.status, 1);
  assert.match(wrongAdmin.stderr, /wrong login, password or key/);
  const differ = ctl(['user', 'add', '--data-dir', d.dir, '--as', 'admin', '--role', 'caseworker', 'cwx'], [d.pw.admin, np, np + 'x']);
  assert.equal(differ.status, 1);
  assert.match(differ.stderr, /differ/);
  const notAdmin = ctl(['user', 'add', '--data-dir', d.dir, '--as', 'cw10', '--role', 'caseworker', 'cwx'], [d.pw.cw10, np, np]);
  assert.equal(notAdmin.status, 1);
  assert.match(notAdmin.stderr, /only an admin/);
  assert.equal((await signIn(s.base, d.dir, 'cwx', np, { xff })).status, 401, 'cwx was never added');

  // Recover: a wrong key fails; the right key sets a new admin password and ends their sessions.
  const oldAdm = await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff });
  assert.equal(oldAdm.status, 200);
  const ap = marker();
  remember(d.dir, { text: [ap] });
  const k = d.recovery;
  const swapped = k.slice(0, 3) + (k[3] === 'A' ? 'B' : 'A') + k.slice(4);
  const badKey = ctl(['recover', '--data-dir', d.dir, 'admin'], [swapped, ap, ap]);
  assert.equal(badKey.status, 1);
  const junkKey = ctl(['recover', '--data-dir', d.dir, 'admin'], ['ABCD-EFGH', ap, ap]);
  assert.equal(junkKey.status, 1);
  assert.equal((await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff })).status, 200, 'failed recovers change nothing');
  const notAdminRecover = ctl(['recover', '--data-dir', d.dir, 'cw10'], [k, ap, ap]);
  assert.equal(notAdminRecover.status, 1, 'recovery is for admins');
  const rec = ctl(['recover', '--data-dir', d.dir, 'admin'], [k, ap, ap]);
  assert.equal(rec.status, 0, rec.stderr);
  assert.equal((await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff })).status, 401, 'the old password is gone');
  const newAdm = await signIn(s.base, d.dir, 'admin', ap, { xff });
  assert.equal(newAdm.status, 200);
  assert.equal((await me(s.base, newAdm.cookie, xff)).body.role, 'admin');
  assert.equal((await me(s.base, oldAdm.cookie, xff)).status, 401, 'recovery ended the old sessions');
  d.pw.admin = ap;

  // passwd: the new password works, the old one and the live session do not.
  const live = await signIn(s.base, d.dir, 'cw10', d.pw.cw10, { xff });
  assert.equal(live.status, 200);
  const cp = marker();
  remember(d.dir, { text: [cp] });
  const wrongOld = ctl(['passwd', '--data-dir', d.dir, 'cw10'], ['not-the-old-password', cp, cp]);
  assert.equal(wrongOld.status, 1);
  assert.equal((await me(s.base, live.cookie, xff)).status, 200, 'a failed passwd changes nothing');
  const pw = ctl(['passwd', '--data-dir', d.dir, 'cw10'], [d.pw.cw10, cp, cp]);
  assert.equal(pw.status, 0, pw.stderr);
  assert.equal((await me(s.base, live.cookie, xff)).status, 401, 'the live session is gone');
  assert.equal((await signIn(s.base, d.dir, 'cw10', d.pw.cw10, { xff })).status, 401);
  const live2 = await signIn(s.base, d.dir, 'cw10', cp, { xff });
  assert.equal(live2.status, 200);

  // disable: exit 0, the live session ends, sign-in refused.
  const dis = ctl(['user', 'disable', '--data-dir', d.dir, '--as', 'admin', 'cw10'], [ap]);
  assert.equal(dis.status, 0, dis.stderr);
  assert.equal((await me(s.base, live2.cookie, xff)).status, 401);
  const after = await signIn(s.base, d.dir, 'cw10', cp, { xff });
  assert.equal(after.status, 401);
  assert.equal(after.body.error.code, 'bad_credentials');

  const last = ctl(['user', 'disable', '--data-dir', d.dir, '--as', 'admin', 'admin'], [ap]);
  assert.equal(last.status, 1);
  assert.match(last.stderr, /no enabled admin/);
  assert.equal((await me(s.base, newAdm.cookie, xff)).status, 200, 'the admin and their session are untouched');

  const help = ctl(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^\s+init /m);
  const audit = ctl(['audit', 'verify', '--data-dir', d.dir]);
  assert.equal(audit.status, 0, audit.stderr + audit.stdout);
  assert.match(audit.stdout, /audit log intact/);
});

// ---- 11 ----

test('raw scan: no password, TOTP secret, recovery key or session cookie part in the database files', async () => {
  assert.ok(totpSecret, 'the TOTP test ran first');
  const mainSecrets = secrets.get(main.dir);
  assert.ok(mainSecrets.hex.size >= 10, 'many session cookies were collected');
  let scanned = 0;
  // Control: the scan sees the database's contents (logins are stored in clear by design).
  const all = Buffer.concat(storeFiles(main.dir).map((f) => readFileSync(f)));
  assert.ok(all.includes(Buffer.from('totp1')), 'the scan reads what the store wrote');
  for (const [dir, s] of secrets) {
    const files = storeFiles(dir);
    assert.ok(files.length >= 1);
    for (const f of files) {
      const bytes = readFileSync(f);
      scanned += bytes.length;
      for (const t of s.texts) {
        assert.ok(!bytes.includes(Buffer.from(t, 'utf8')), `${path.basename(f)} holds the text ${t}`);
        assert.ok(!bytes.includes(Buffer.from(t.toLowerCase(), 'utf8')), `${path.basename(f)} holds ${t} in lower case`);
      }
      for (const h of s.hex) {
        assert.ok(!bytes.includes(Buffer.from(h, 'utf8')), `${path.basename(f)} holds the hex text ${h}`);
        assert.ok(!bytes.includes(Buffer.from(h.toUpperCase(), 'utf8')), `${path.basename(f)} holds ${h} in upper case`);
        assert.ok(!bytes.includes(Buffer.from(h, 'hex')), `${path.basename(f)} holds the bytes of ${h}`);
      }
      for (const r of s.raw) assert.ok(!bytes.includes(r), `${path.basename(f)} holds raw secret bytes ${r.toString('hex')}`);
    }
  }
  assert.ok(scanned > 4096, 'read the files');
});

test('an admin sets a new password for another account from a live session', async () => {
  const d = makeDir({ cwr: 'caseworker', audr: 'auditor' });
  dirs.push(d.dir);
  const s = await startServer({ dataDir: d.dir, args: SERVER_ARGS });
  others.push(s);
  const xff = '10.12.0.1';
  const adm = await signIn(s.base, d.dir, 'admin', d.pw.admin, { xff });
  const cw = await signIn(s.base, d.dir, 'cwr', d.pw.cwr, { xff });
  assert.equal(cw.status, 200);
  const reset = (who, login, password) => call(s.base, 'PUT', `/api/v1/admin/staff/${login}/password`,
    { cookie: who.cookie, csrf: who.csrf, xff, json: { password } });
  // Both sides of the password rule: 9 bytes refused, 10 accepted.
  const short = await reset(adm, 'cwr', '123456789');
  assert.equal(short.status, 422);
  assert.equal(short.body.error.field, 'password');
  assert.equal((await reset(cw, 'audr', 'caseworker-tries-this')).status, 403, 'only admins');
  assert.equal((await reset(adm, 'nobody', 'a-new-password')).status, 404);
  const ok = await reset(adm, 'cwr', '1234567890');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await me(s.base, cw.cookie, xff)).status, 401, 'the account\'s sessions ended');
  assert.equal((await signIn(s.base, d.dir, 'cwr', d.pw.cwr, { xff: '10.12.0.2' })).status, 401);
  const again = await signIn(s.base, d.dir, 'cwr', '1234567890', { xff: '10.12.0.3' });
  assert.equal(again.status, 200, 'the new password opens the org key');
  // A caseworker reset this way can still open cases: the org key was wrapped again, not lost.
  assert.equal((await call(s.base, 'GET', '/api/v1/staff/cases?queue=all', { cookie: again.cookie, xff })).status, 200);
  const aud = await reset(adm, 'audr', 'auditor-new-password');
  assert.equal(aud.status, 200);
  assert.equal((await signIn(s.base, d.dir, 'audr', 'auditor-new-password', { xff: '10.12.0.4' })).status, 200);
});
