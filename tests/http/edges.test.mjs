// Hostile input at the edges, against the real binaries: uploads refused before their first byte
// reaches the disk (CSRF, per-address limit, bytes in flight), exact Content-Type matching,
// Secure cookies and HSTS behind a TLS proxy, the anonymous CSRF token bound to its cookie,
// /metrics only for loopback or a token, slow-work threads below the HTTP threads, and a process
// that cannot dump core.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, freePort, tempDir, rawRequest, ctl, TAKEDOWND, TAKEDOWNCTL } from './lib.mjs';

const MiB = 1024 * 1024;
const servers = [];
async function server(args = []) {
  const s = await startServer({ args: ['--debug-routes', ...args] });
  servers.push(s);
  return s;
}
after(async () => {
  for (const s of servers) {
    await s.stop();
    s.cleanup();
  }
});

// A server on an initialised data dir (org keys), so that reports are accepted (201).
async function initServer(args = []) {
  const dir = tempDir();
  const pw = 'edges-admin-password';
  const r = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw, pw]);
  assert.equal(r.status, 0, r.stderr);
  const s = await startServer({ dataDir: dir, args: ['--debug-routes', ...args] });
  servers.push(s);
  return s;
}
// The smallest report that is accepted.
const VALID_REPORT = JSON.stringify({ requester: { role: 'self' }, incident: { type: 'other' }, good_faith: true,
  signature: 'x', targets: [{ kind: 'online', url: 'https://weibo.com/u/1' }] });

let addrN = 0;
const addr = () => `10.77.${(++addrN >> 8) & 255}.${addrN & 255}`;

// Everything under the data directory's files/ (files and directories), as relative paths.
function filesTree(dataDir) {
  const root = path.join(dataDir, 'files');
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dataDir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  if (existsSync(root)) {
    out.push('files');
    walk(root);
  }
  return out.sort();
}

// A GET of an anonymous form page: its csrf field and td_csrf cookie.
async function formPair(base, p = '/report', headers = {}) {
  const r = await fetch(base + p, { headers });
  const text = await r.text();
  const m = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(text);
  const c = r.headers.getSetCookie().find((x) => x.startsWith('td_csrf='));
  return { csrf: m && m[1], cookie: c ? c.split(';')[0] : null, setCookie: c, headers: r.headers };
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
// A multipart report body of exactly `size` bytes: the csrf field first (as the form sends it),
// then one screenshot part padded to fill the size.
function reportBody(csrf, size) {
  const b = '----edges' + randomBytes(8).toString('hex');
  const head = Buffer.from(
    `--${b}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="screenshots"; filename="a.png"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${b}--\r\n`);
  const fill = size - head.length - tail.length - PNG.length;
  assert.ok(fill >= 0, 'the body is large enough for its parts');
  const body = Buffer.concat([head, PNG, Buffer.alloc(fill, 0x41), tail]);
  return { body, type: `multipart/form-data; boundary=${b}` };
}

// A POST with Expect: 100-continue. The server either asks for the body ("100 Continue", and
// the body is sent: all of it, or only `hold` bytes while the returned promise `finish` waits)
// or answers from the headers alone, before any byte of the body is sent.
function expectPost(port, p, headers, body, { hold = null } = {}) {
  let release, started;
  const held = new Promise((r) => (release = r));
  const accepted = new Promise((r) => (started = r));
  const done = new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: p, method: 'POST',
      headers: { ...headers, Expect: '100-continue', 'Content-Length': body.length },
    });
    const out = { continued: false };
    req.on('continue', async () => {
      out.continued = true;
      if (hold === null) return req.end(body);
      req.write(body.subarray(0, hold), () => started());
      out.partSent = true;
      await held;
      req.end(body.subarray(hold));
    });
    req.on('response', (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        out.text = text;
        req.destroy();
        resolve(out);
      });
    });
    req.on('error', (e) => (out.status ? resolve(out) : reject(e)));
  });
  // accepted: the server answered 100 Continue (it has counted the upload) and the held part
  // was written; a test waits for it instead of hoping the server was quick.
  return { done, accepted, finish: () => release() };
}

// Waits (at most 20 s) until cond() holds; for things a test cannot await directly.
async function until(cond, what) {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('timed out waiting for ' + what);
}

// ---- uploads checked before the body ----

test('upload: a multipart report without its csrf cookie is 403 before the body, nothing on disk', async () => {
  const s = await server(['--trust-proxy']);
  const g = await formPair(s.base);
  const { body, type } = reportBody(g.csrf, 256 * 1024);
  const r = await expectPost(s.port, '/report', { 'Content-Type': type, 'X-Forwarded-For': addr() }, body).done;
  assert.equal(r.status, 403);
  assert.equal(r.continued, false, 'refused from the headers: the body was never asked for');
  assert.deepEqual(filesTree(s.dataDir), [], 'nothing under files/');
  // A browser sends the body without asking: it is read and dropped, and the reply arrives whole.
  const b = await fetch(s.base + '/report', { method: 'POST', headers: { 'Content-Type': type, 'X-Forwarded-For': addr() }, body });
  assert.equal(b.status, 403);
  assert.match(b.headers.get('content-type'), /^text\/html/);
  assert.deepEqual(filesTree(s.dataDir), [], 'still nothing under files/');
});

test('upload: a wrong csrf token is 403 and not one byte of the file is stored', async () => {
  const s = await server(['--trust-proxy']);
  const g = await formPair(s.base);
  const other = await formPair(s.base);
  for (const token of ['', other.csrf, 'f'.repeat(64)]) {
    const { body, type } = reportBody(token, 256 * 1024);
    const r = await expectPost(s.port, '/report', { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': addr() }, body).done;
    assert.equal(r.status, 403, `token ${token.slice(0, 8)}`);
    assert.match(r.text, /csrf|CSRF|403/);
    assert.deepEqual(filesTree(s.dataDir), [], 'no files/ directory, no temp file, no file');
  }
  // The other side: the right pair is taken (a 422 for the missing fields, the file read).
  const { body, type } = reportBody(g.csrf, 256 * 1024);
  const ok = await expectPost(s.port, '/report', { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': addr() }, body).done;
  assert.equal(ok.continued, true);
  assert.equal(ok.status, 422);
  assert.ok(filesTree(s.dataDir).includes('files/tmp'), 'the accepted upload was streamed to files/tmp');
});

test('upload: from an address over its submission limit, the body is read and the form answers with the wait; no file is stored', async () => {
  const s = await initServer(['--trust-proxy', '--submit-per-address', '2']);
  const xff = addr();
  for (let i = 0; i < 2; i++) {
    const r = await fetch(s.base + '/api/v1/cases', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': xff }, body: VALID_REPORT,
    });
    assert.equal(r.status, 201, `accepted report ${i + 1} counts`);
  }
  const g = await formPair(s.base, '/report', { 'X-Forwarded-For': xff });
  const { body, type } = reportBody(g.csrf, 256 * 1024);
  const r = await expectPost(s.port, '/report', { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': xff }, body).done;
  // Issue 13: a limit never throws a filled form away, so the body is read (its text comes back)
  // but its screenshots are not stored. This one is incomplete: 422 with its errors, and the wait
  // said at once.
  assert.equal(r.continued, true, 'the body is read');
  assert.equal(r.status, 422);
  assert.match(r.text, /id="limit-alert"/);
  assert.match(r.text, /id="error-summary"/);
  assert.deepEqual(filesTree(s.dataDir).filter((p) => p.startsWith('files/tmp/')), [], 'no file stored');
  // Another address is not limited.
  const other = addr();
  const g2 = await formPair(s.base, '/report', { 'X-Forwarded-For': other });
  const b2 = reportBody(g2.csrf, 256 * 1024);
  const ok = await expectPost(s.port, '/report', { 'Content-Type': b2.type, Cookie: g2.cookie, 'X-Forwarded-For': other }, b2.body).done;
  assert.equal(ok.continued, true);
  assert.equal(ok.status, 422);
});

test('upload: bytes in flight are bounded across uploads (--upload-inflight-bytes), both sides', async () => {
  const bound = 3 * MiB;
  const s = await server(['--trust-proxy', '--upload-inflight-bytes', String(bound)]);
  const post = async (size, opts) => {
    const g = await formPair(s.base);
    const { body, type } = reportBody(g.csrf, size);
    return expectPost(s.port, '/report', { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': addr() }, body, opts);
  };
  // One upload of exactly the bound is taken; one byte more is refused alone.
  const exact = await (await post(bound)).done;
  assert.equal(exact.continued, true);
  assert.equal(exact.status, 422);
  const over = await (await post(bound + 1)).done;
  assert.equal(over.status, 503);
  assert.equal(over.continued, false);
  assert.ok(Number(over.headers['retry-after']) >= 1);
  // Two at once: the first holds 2 MiB mid-body, the second would bring it to 4 MiB.
  const first = await post(2 * MiB, { hold: 512 * 1024 });
  await first.accepted;
  const tmpBefore = () => filesTree(s.dataDir).filter((f) => f.startsWith('files/tmp/'));
  const second = await (await post(2 * MiB)).done;
  assert.equal(second.status, 503, 'the second upload is refused while the first is in flight');
  assert.equal(second.continued, false, 'none of its body was read');
  assert.ok(tmpBefore().length <= 1, 'at most the first upload has a temp file');
  // A small one still fits beside the first (2 MiB + 1 MiB = the bound).
  const small = await (await post(1 * MiB)).done;
  assert.equal(small.continued, true);
  assert.equal(small.status, 422);
  first.finish();
  assert.equal((await first.done).status, 422);
  // Once the first is done, a second 2 MiB upload is taken again.
  const again = await (await post(2 * MiB)).done;
  assert.equal(again.continued, true);
  assert.equal(again.status, 422);
});

// A chunked upload (no Content-Length) of `total` bytes in 64 KiB pieces; resolves with the
// status, or 0 when the server dropped the connection.
function chunkedPost(port, headers, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/report', method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } });
    let settled = false;
    const done = (v) => {
      if (!settled) resolve(v);
      settled = true;
    };
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('error', () => done(0));
    req.on('close', () => done(0));
    (async () => {
      for (let off = 0; off < body.length && !req.destroyed; off += 65536) {
        if (!req.write(body.subarray(off, off + 65536))) await new Promise((r) => req.once('drain', r).once('close', r));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

test('upload: a chunked upload that streams past the bytes in flight is stopped, its file removed', async () => {
  const s = await server(['--trust-proxy', '--upload-inflight-bytes', String(1 * MiB)]);
  const send = async (size) => {
    const g = await formPair(s.base);
    const { body, type } = reportBody(g.csrf, size);
    return chunkedPost(s.port, { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': addr() }, body);
  };
  assert.equal(await send(MiB - 1024), 422, 'under the bound: read to the end');
  assert.equal(await send(2 * MiB), 0, 'past the bound: the connection is dropped');
  await until(() => filesTree(s.dataDir).filter((f) => f.startsWith('files/tmp/')).length === 0, 'the partial file to go');
  assert.equal(await send(MiB - 1024), 422, 'the bound is free again');
});

test('upload: the in-flight bound is a setting with a sane default, listed in --help', async () => {
  const { spawnSync } = await import('node:child_process');
  const help = spawnSync(TAKEDOWND, ['--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--upload-inflight-bytes BYTES/);
  assert.match(help.stdout, /--public-url URL/);
  assert.match(help.stdout, /--metrics-token TOKEN/);
  const bad = spawnSync(TAKEDOWND, ['--upload-inflight-bytes', '10', '--data-dir', tempDir()], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad value for --upload-inflight-bytes/);
});

// ---- Content-Type ----

test('Content-Type is matched exactly: look-alike media types are 415, parameters and case are fine', async () => {
  const s = await server();
  const post = (p, type, body) => fetch(s.base + p, { method: 'POST', headers: { 'Content-Type': type }, body });
  for (const type of ['application/jsonx', 'application/json-foo', 'application/json+x', 'application/json;x', 'application/json; charset=latin1']) {
    const r = await post('/api/v1/debug/echo', type, '{"a":1}');
    assert.equal(r.status, 415, type);
  }
  for (const type of ['application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json ; charset="UTF-8"']) {
    const r = await post('/api/v1/debug/echo', type, '{"a":1}');
    assert.equal(r.status, 200, type);
    assert.deepEqual(await r.json(), { json: { a: 1 } });
  }
  const g = await formPair(s.base);
  for (const type of ['multipart/form-dataX; boundary=zz', 'multipart/form-data-x; boundary=zz']) {
    const r = await fetch(s.base + '/report', {
      method: 'POST', headers: { 'Content-Type': type, Cookie: g.cookie },
      body: `--zz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${g.csrf}\r\n--zz--\r\n`,
    });
    assert.equal(r.status, 415, type);
  }
  const form = await post('/debug/echo', 'application/x-www-form-urlencodedX', 'a=1');
  assert.equal(form.status, 415);
  const formOk = await post('/debug/echo', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8', 'a=1');
  assert.equal(formOk.status, 200);
  assert.deepEqual(await formOk.json(), { form: [['a', '1']] });
});

// ---- behind a TLS proxy ----

test('behind a TLS proxy: X-Forwarded-Proto https (trusted) gives Secure cookies and HSTS', async () => {
  const s = await server(['--trust-proxy']);
  const viaTls = await formPair(s.base, '/report', { 'X-Forwarded-Proto': 'https' });
  assert.match(viaTls.setCookie, /; Secure/);
  assert.equal(viaTls.headers.get('strict-transport-security'), 'max-age=31536000');
  const lang = await fetch(s.base + '/lang/en?next=/', { headers: { 'X-Forwarded-Proto': 'https' }, redirect: 'manual' });
  assert.match(lang.headers.getSetCookie()[0], /; Secure/);
  // The other side: plain HTTP through the proxy, or the header from an untrusted client.
  const plain = await formPair(s.base, '/report', { 'X-Forwarded-Proto': 'http' });
  assert.doesNotMatch(plain.setCookie, /Secure/);
  assert.equal(plain.headers.get('strict-transport-security'), null);
  const untrusted = await server();
  const forged = await formPair(untrusted.base, '/report', { 'X-Forwarded-Proto': 'https' });
  assert.doesNotMatch(forged.setCookie, /Secure/);
  assert.equal(forged.headers.get('strict-transport-security'), null);
});

test('behind a TLS proxy: --public-url https://... gives Secure cookies and HSTS on every reply', async () => {
  const s = await server(['--public-url', 'https://takedown.example.org']);
  const g = await formPair(s.base);
  assert.match(g.setCookie, /; Secure/);
  assert.equal(g.headers.get('strict-transport-security'), 'max-age=31536000');
  const h = await fetch(s.base + '/healthz');
  assert.equal(h.headers.get('strict-transport-security'), 'max-age=31536000');
  const plain = await server(['--public-url', 'http://takedown.example.org']);
  const p = await formPair(plain.base);
  assert.doesNotMatch(p.setCookie, /Secure/);
  const { spawnSync } = await import('node:child_process');
  const bad = spawnSync(TAKEDOWND, ['--public-url', 'takedown.example.org', '--data-dir', tempDir()], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad value for --public-url/);
});

// ---- the anonymous CSRF token ----

test('anonymous csrf: the token is bound to its cookie; a pair the client made up is refused', async () => {
  const s = await server();
  const post = (cookie, token) => fetch(s.base + '/follow-up', {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams({ csrf: token, receipt: '1234 5678 9012 3456 7890' }),
  });
  const a = await formPair(s.base, '/follow-up');
  const b = await formPair(s.base, '/follow-up');
  assert.notEqual(a.csrf, b.csrf);
  assert.notEqual(a.cookie.split('=')[1], a.csrf, 'the form token is not the cookie value');
  // Refused: A's token with B's cookie, a token without its cookie, a cookie and token an
  // attacker chose together (double submit would take these), a token of another shape.
  const made = 'c'.repeat(64);
  for (const [cookie, token, why] of [
    [b.cookie, a.csrf, 'token of A, cookie of B'],
    [null, a.csrf, 'no cookie'],
    [`td_csrf=${made}`, made, 'a made-up pair'],
    [a.cookie, a.cookie.split('=')[1], 'the cookie value as token'],
  ]) {
    const r = await post(cookie, token);
    assert.equal(r.status, 403, why);
  }
  // Taken: each visitor's own pair (the receipt is wrong, which is a different answer).
  for (const v of [a, b]) {
    const r = await post(v.cookie, v.csrf);
    assert.notEqual(r.status, 403);
    assert.doesNotMatch(await r.text(), /error\.csrf/);
  }
});

// ---- /metrics ----

test('/metrics: loopback only, or with the configured bearer token', async () => {
  const s = await server(['--trust-proxy']);
  assert.equal((await fetch(s.base + '/metrics')).status, 200, 'loopback');
  const fwd = await fetch(s.base + '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(fwd.status, 403, 'a forwarded client is not loopback');
  const withToken = await server(['--trust-proxy', '--metrics-token', 'sekrit-token-0123456789']);
  const get = (auth) => fetch(withToken.base + '/metrics', {
    headers: { 'X-Forwarded-For': '203.0.113.9', ...(auth ? { Authorization: auth } : {}) },
  });
  assert.equal((await get('Bearer sekrit-token-0123456789')).status, 200);
  for (const bad of [null, 'Bearer sekrit-token-012345678', 'Bearer sekrit-token-01234567890', 'Basic sekrit-token-0123456789', 'Bearer ']) {
    assert.equal((await get(bad)).status, 403, String(bad));
  }
  assert.equal((await fetch(withToken.base + '/metrics')).status, 200, 'loopback still');
});

// A proxy that appends its own X-Forwarded-For line (HAProxy's `option forwardfor` does) leaves
// the client's forged line first: the client is the last hop of all lines, as RFC 9110 5.3 joins
// them, never the first line alone.
test('behind --trust-proxy: a forged first X-Forwarded-For line is neither loopback nor the limit key', async () => {
  const s = await initServer(['--trust-proxy', '--submit-per-address', '2']);
  const get = (lines) => rawRequest(s.port, `GET /metrics HTTP/1.1\r\nHost: x\r\n${lines}Connection: close\r\n\r\n`);
  const forged = await get('X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.9\r\n');
  assert.match(forged, /^HTTP\/1\.1 403 /, 'the proxy\'s line names the client');
  const joined = await get('X-Forwarded-For: 127.0.0.1, 203.0.113.9\r\n');
  assert.match(joined, /^HTTP\/1\.1 403 /);
  // The other side: a loopback client through the proxy still reads its metrics.
  const local = await get('X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 127.0.0.1\r\n');
  assert.match(local, /^HTTP\/1\.1 200 /);
  // The submission limit follows the proxy's line too: a new forged first line each time is no
  // way around it.
  const real = addr();
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const body = VALID_REPORT;
    const r = await rawRequest(s.port, 'POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `X-Forwarded-For: ${addr()}\r\nX-Forwarded-For: ${real}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    statuses.push(Number(/^HTTP\/1\.1 (\d+)/.exec(r)[1]));
  }
  assert.deepEqual(statuses, [201, 201, 429], 'accepted reports count (issue 13: refused ones do not)');
  // And X-Forwarded-Proto: the proxy's (last) line decides.
  const proto = await rawRequest(s.port, 'GET /report HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Proto: http\r\nConnection: close\r\n\r\n');
  assert.doesNotMatch(proto, /Strict-Transport-Security/i);
  assert.doesNotMatch(proto, /; Secure/);
});

// Content-Length and Transfer-Encoding together (request smuggling's shape): libmicrohttpd reads
// the body chunked, so a small Content-Length would reserve almost nothing of the bytes in flight.
test('upload: Content-Length with Transfer-Encoding chunked is 400, nothing read or stored', async () => {
  const s = await server(['--trust-proxy', '--upload-inflight-bytes', String(1 * MiB)]);
  const g = await formPair(s.base);
  const { body, type } = reportBody(g.csrf, 2 * MiB);
  const r = await chunkedPost(s.port, { 'Content-Type': type, Cookie: g.cookie, 'X-Forwarded-For': addr(), 'Content-Length': '1' }, body);
  assert.ok(r === 400 || r === 0, `refused (${r}), not read to the end past the bound`);
  assert.deepEqual(filesTree(s.dataDir).filter((f) => f.startsWith('files/tmp/')), [], 'no temp file');
  // The same on any route, over a raw socket: tests/http/strict.test.mjs. The other side here: a
  // chunked upload alone is read.
  const g2 = await formPair(s.base);
  const small = reportBody(g2.csrf, MiB - 1024);
  assert.equal(await chunkedPost(s.port, { 'Content-Type': small.type, Cookie: g2.cookie, 'X-Forwarded-For': addr() }, small.body), 422);
});

// ---- slow work below the HTTP threads ----

test('slow-work threads run below the HTTP threads (SCHED_BATCH, nice 10) and /metrics says so', async () => {
  const s = await server(['--workers', '3', '--work-threads', '5']);
  assertWorkersYield(s.proc.pid, 5);
  const text = await (await fetch(s.base + '/metrics')).text();
  assert.match(text, /^takedown_slow_work_low_priority_threads 5$/m);
  assert.match(text, /^takedown_secret_arenas [1-9]\d*$/m, 'the threads that served a secret have arenas');
  assert.match(text, /^takedown_secret_fallbacks_total \d+$/m);
});

// ---- core dumps ----

// Starts a binary as a user that is not root (nobody when the tests run as root), so the kernel's
// dumpable flag shows in who owns /proc/<pid>/environ.
function spawnUnprivileged(bin, args, dataDir) {
  const opts = { stdio: ['pipe', 'pipe', 'pipe'] };
  if (process.getuid() === 0) {
    chownSync(dataDir, 65534, 65534);
    opts.uid = 65534;
    opts.gid = 65534;
  }
  return spawn(bin, args, opts);
}
// The scheduling of every thread of a process: {name, policy, nice}, from /proc/<pid>/task/*/stat
// (policy 0 is SCHED_OTHER, 3 SCHED_BATCH; see proc(5), fields 19 and 41).
function threadsSched(pid) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(fields[16]), policy: Number(fields[38]) };
  });
}

// The slow-work threads (Argon2id) run as SCHED_BATCH at nice 10, every other thread as it was.
function assertWorkersYield(pid, workers) {
  const threads = threadsSched(pid);
  const slow = threads.filter((t) => t.name === 'td-work');
  assert.equal(slow.length, workers, 'one td-work thread per --work-threads');
  for (const t of slow) assert.deepEqual([t.policy, t.nice], [3, 10], 'a worker yields to the HTTP threads');
  const rest = threads.filter((t) => t.name !== 'td-work');
  assert.ok(rest.length >= 2, 'HTTP threads and the main thread');
  for (const t of rest) assert.deepEqual([t.policy, t.nice], [0, 0], `${t.name} keeps its priority`);
}

const uidOf = (pid) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const coreLimit = (pid) => /^Max core file size\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8')).slice(1);

test('no core dumps: takedownd and takedownctl run with RLIMIT_CORE 0 and are not dumpable', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const d = spawnUnprivileged(TAKEDOWND, ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], dataDir);
  try {
    let up = false;
    for (let i = 0; i < 400 && !up && d.exitCode === null; i++) {
      up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(up, 'takedownd serves');
    assert.notEqual(uidOf(d.pid), 0, 'the service runs as an ordinary user here');
    assert.deepEqual(coreLimit(d.pid), ['0', '0']);
    assert.equal(statSync(`/proc/${d.pid}/environ`).uid, 0, 'not dumpable: its /proc files belong to root');
    assertWorkersYield(d.pid, 16); /* the default --work-threads; lowering its own priority needs no privilege */
    if (process.getuid() === 0) {
      // Secret pages (sodium_malloc: the CSRF key at least) are marked MADV_DONTDUMP ("dd").
      const smaps = readFileSync(`/proc/${d.pid}/smaps`, 'utf8');
      assert.match(smaps, /^VmFlags:.* dd\b/m, 'some mapping is excluded from dumps');
    }
  } finally {
    d.kill('SIGTERM');
  }
  // takedownctl waits for a password on stdin; meanwhile it must already be protected.
  const ctlDir = tempDir();
  const c = spawnUnprivileged(TAKEDOWNCTL, ['init', '--data-dir', ctlDir, '--admin', 'root1'], ctlDir);
  try {
    await until(() => {
      try {
        return coreLimit(c.pid)[0] === '0' && statSync(`/proc/${c.pid}/environ`).uid === 0;
      } catch {
        return false;
      }
    }, 'takedownctl to drop core dumps');
    assert.notEqual(uidOf(c.pid), 0);
  } finally {
    c.kill('SIGTERM');
  }
});
