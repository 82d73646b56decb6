// Issue 12, strict HTTP: a request that a proxy in front could read another way than we do
// (request smuggling) is refused with one 400 and the connection closed; a chunked body over the
// route's limit gets its 413; every request gets one response. Each case goes over a raw socket
// with a second request right behind it: everything the server sent until it closed must hold
// exactly one status line, so the second request was never served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { startServer, TAKEDOWND } from './lib.mjs';

const LIMIT = 2048; // --max-body
const MiB = 1024 * 1024;
const DISCARD_MAX = 64 * MiB; // HTTP_DISCARD_MAX in service/http.c

let srv;
before(async () => {
  // A long idle timeout: a connection left open stays open, and the bound below catches it.
  srv = await startServer({ args: ['--debug-routes', '--max-body', String(LIMIT), '--timeout', '600'] });
});
after(async () => {
  await srv.stop();
  srv.cleanup();
});

// libmicrohttpd 0.9.75 answers a few malformed requests itself, before any callback of ours, and
// sends that answer twice (fixed upstream in 1.0.0, commit f1bfbe71): those cases are marked todo
// while the library is older, and must pass once it is not. docs/operations.md, "Strict HTTP".
const MHD = /\(libmicrohttpd (\d+)\.(\d+)\.(\d+)\)/.exec(spawnSync(TAKEDOWND, ['--version'], { encoding: 'utf8' }).stdout);
const MHD_TODO = MHD && Number(MHD[1]) < 1
  ? `libmicrohttpd ${MHD.slice(1).join('.')} sends its own error reply twice (fixed in 1.0.0)`
  : false;

const NEXT = 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n';
const LAST = 'GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
const BOUND_MS = 60000; // turns a connection left open into a failure; a passing case never waits

// Writes each step on one connection (a string or Buffer, an async iterable of them, or
// {waitFor: RegExp} to wait until the server has sent that) and reads until the server closes.
// Resolves with everything received and whether the server closed before the bound.
function exchange(steps) {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let text = '';
    let settled = false;
    let onData = () => {};
    const finish = (closed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), BOUND_MS);
    sock.on('data', (d) => {
      text += d.toString('latin1');
      onData();
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true)); // EPIPE or ECONNRESET: the server closed first
    const write = (chunk) => (sock.write(chunk) ? null : new Promise((r) => sock.once('drain', r).once('close', r)));
    (async () => {
      for (const step of steps) {
        if (settled || sock.destroyed) return;
        if (step.waitFor) {
          await new Promise((r) => {
            onData = () => step.waitFor.test(text) && r();
            onData();
            sock.once('close', r);
          });
        } else if (typeof step === 'string' || Buffer.isBuffer(step)) {
          await write(step);
        } else {
          for await (const chunk of step) {
            if (settled || sock.destroyed) return;
            await write(chunk);
          }
        }
      }
    })().catch(() => {});
  });
}

// Every status line in what the server sent, wherever it starts: a response right after another's
// body, or one inside another's body (a reply sent twice), counts.
function statuses(text) {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

// The request is answered with `status` alone, then the connection is closed.
async function refused(request, status, what) {
  const { text, closed } = await exchange([request, NEXT]);
  assert.deepEqual(statuses(text), [status], `${what}: one ${status}, the next request not served`);
  assert.ok(closed, `${what}: the connection is closed`);
  return text;
}

// The other side: the request is answered with `status` and the connection stays open for the
// next one (keep-alive).
async function served(request, status, what) {
  const { text, closed } = await exchange([request, LAST]);
  assert.deepEqual(statuses(text), [status, 200], `${what}: ${status}, then the next request`);
  assert.ok(closed);
  return text;
}

const post = (headers, body = '') =>
  `POST /api/v1/debug/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
const get = (target, headers = 'Host: t\r\n', version = 'HTTP/1.1') => `GET ${target} ${version}\r\n${headers}\r\n`;
const BODY = '{"a":1}'; // 7 bytes

// A chunked body of n bytes of valid JSON in 64 KiB chunks, then its last chunk.
async function* chunkedJson(n) {
  const piece = 64 * 1024;
  const filler = Buffer.alloc(piece, 'x');
  const open = '{"pad":"';
  const close = '"}';
  let left = n - open.length - close.length;
  yield `${open.length.toString(16)}\r\n${open}\r\n`;
  while (left > 0) {
    const k = Math.min(left, piece);
    yield `${k.toString(16)}\r\n`;
    yield filler.subarray(0, k);
    yield '\r\n';
    left -= k;
  }
  yield `${close.length.toString(16)}\r\n${close}\r\n0\r\n\r\n`;
}
const chunkedPost = (n) => [post('Transfer-Encoding: chunked\r\n'), chunkedJson(n)];

// ---- Content-Length ----

test('Content-Length twice, with the same or another value: 400, closed', async () => {
  for (const [a, b] of [['7', '7'], ['7', '8'], ['8', '7']]) {
    const text = await refused(post(`Content-Length: ${a}\r\ncontent-length: ${b}\r\n`, BODY + ' '), 400, `${a} and ${b}`);
    assert.match(text, /"code":"bad_request"/);
    assert.match(text, /\r\nConnection: close\r\n/i);
  }
  // The other side: one Content-Length is read, and the connection is kept.
  await served(post('Content-Length: 7\r\n', BODY), 200, 'one Content-Length');
});

test('Content-Length as a list ("7, 7", "7, 8") or past 64 bits: one 400 or 413, closed', { todo: MHD_TODO }, async () => {
  await refused(post('Content-Length: 7, 7\r\n', BODY), 400, '"7, 7"');
  await refused(post('Content-Length: 7, 8\r\n', BODY), 400, '"7, 8"');
  await refused(post('Content-Length: 99999999999999999999999\r\n', BODY), 413, 'past 64 bits');
});

test('Content-Length with Transfer-Encoding: 400, closed; either alone is read', async () => {
  await refused(post('Content-Length: 7\r\nTransfer-Encoding: chunked\r\n', `7\r\n${BODY}\r\n0\r\n\r\n`), 400, 'CL then TE');
  await refused(post('Transfer-Encoding: chunked\r\nContent-Length: 7\r\n', `7\r\n${BODY}\r\n0\r\n\r\n`), 400, 'TE then CL');
  await refused(post('Content-Length: 7, 7\r\nTransfer-Encoding: chunked\r\n', `7\r\n${BODY}\r\n0\r\n\r\n`), 400, 'a CL list with TE');
  await served(post('Transfer-Encoding: chunked\r\n', `7\r\n${BODY}\r\n0\r\n\r\n`), 200, 'chunked alone');
  await served(post('Content-Length: 7\r\n', BODY), 200, 'a length alone');
});

// ---- Transfer-Encoding ----

test('a transfer coding other than exactly chunked, or Transfer-Encoding twice: 400, closed', async () => {
  const body = `7\r\n${BODY}\r\n0\r\n\r\n`;
  for (const te of ['gzip', 'identity', 'gzip, chunked', 'chunked, gzip', 'chunked, chunked', 'chunked;q=1', 'chunked ', 'xchunked', '']) {
    await refused(post(`Transfer-Encoding: ${te}\r\n`, body), 400, JSON.stringify(te));
  }
  await refused(post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', body), 400, 'two TE lines');
  await refused(post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', body), 400, 'gzip line, then chunked line');
  // HTTP/1.0 has no transfer codings (RFC 9112 6.1).
  await refused(`POST /api/v1/debug/echo HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, 400, 'HTTP/1.0');
  // The other side: transfer-coding names are case-insensitive.
  await served(post('Transfer-Encoding: Chunked\r\n', body), 200, 'Chunked');
});

// ---- control characters and names ----

test('a control character in the decoded path: 400, closed (not the file before %00)', async () => {
  assert.equal((await fetch(srv.base + '/api/v1/openapi.json')).status, 200);
  const text = await refused(get('/api/v1/openapi.json%00.html'), 400, '%00');
  assert.doesNotMatch(text, /openapi/);
  for (const esc of ['%01', '%0a', '%0D', '%1f', '%7F', '%09']) {
    await refused(get(`/healthz${esc}`), 400, esc);
  }
  // Raw control bytes or a blank inside the request target.
  await refused(get('/healthz\x01'), 400, 'raw 0x01');
  await refused(get('/healthz\x7f'), 400, 'raw 0x7f');
  await refused(get('/health z'), 400, 'a space');
  // The other side: a percent-encoded space or UTF-8 is a path like any other (no such page); the
  // query is the handler's to read.
  for (const target of ['/no%20such', '/%E6%8A%A5']) {
    assert.deepEqual(statuses((await exchange([get(target)])).text), [404], target);
  }
  await served(get('/healthz?q=%0a'), 200, 'a newline in the query');
});

test('a control character in a header value, or a header name that is not a token: 400, closed', async () => {
  for (const [line, what] of [
    ['X-Note: a\x01b', '0x01'],
    ['X-Note: a\x7fb', '0x7f'],
    ['X-Note: a\rb', 'a bare CR'],
    ['X-Note: a\x1bb', 'ESC'],
    ['Transfer-Encoding : chunked', 'a blank before the colon'],
    ['X(Note): a', 'a separator in the name'],
  ]) {
    await refused(get('/healthz', `Host: t\r\n${line}\r\n`), 400, what);
  }
  // The other side: a tab, and bytes past ASCII (obs-text), are allowed in values.
  await served(get('/healthz', 'Host: t\r\nX-Note: a\tb\r\n'), 200, 'a tab');
  await served(get('/healthz', 'Host: t\r\nX-Note: caf\xe9\r\n'), 200, 'obs-text');
});

// ---- Host ----

test('HTTP/1.1 without Host, with two, or with one that is no host: 400, closed', async () => {
  await refused(get('/healthz', ''), 400, 'no Host');
  await refused(get('/healthz', 'Host: t\r\nHost: t\r\n'), 400, 'two Hosts');
  await refused(get('/healthz', 'Host: t\r\nhost: u\r\n'), 400, 'two Hosts, another value');
  for (const h of ['', 'a b', 't/x', 'u@t', 't?']) await refused(get('/healthz', `Host: ${h}\r\n`), 400, JSON.stringify(h));
  // The other side: HTTP/1.0 needs no Host (and closes by default); names, addresses and ports.
  const old = await exchange([get('/healthz', '', 'HTTP/1.0')]);
  assert.deepEqual(statuses(old.text), [200]);
  for (const h of ['example.org', '127.0.0.1:8080', '[::1]:8080', 'xn--fiqs8s.example']) {
    await served(get('/healthz', `Host: ${h}\r\n`), 200, h);
  }
});

// ---- bodies over the limit ----

test('a Content-Length over the limit: one 413, closed; at the limit: read', async () => {
  const over = await refused(post(`Content-Length: ${LIMIT + 1}\r\n`), 413, 'limit + 1');
  assert.match(over, /"code":"too_large"/);
  const at = JSON.stringify({ pad: 'x'.repeat(LIMIT - 10) });
  assert.equal(at.length, LIMIT);
  await served(post(`Content-Length: ${LIMIT}\r\n`, at), 200, 'at the limit');
});

test('a chunked body over the limit: read to its end and answered 413, closed', async () => {
  // Today's bound was twice the limit; a body far past it still gets its answer.
  for (const n of [LIMIT + 1, 4 * LIMIT, 1 * MiB]) {
    const { text, closed } = await exchange([...chunkedPost(n), NEXT]);
    assert.deepEqual(statuses(text), [413], `${n} bytes`);
    assert.match(text, /"code":"too_large"/);
    assert.ok(closed, `${n} bytes: closed`);
  }
  // The other side: a chunked body at the limit is read and answered, the connection kept.
  const { text } = await exchange([...chunkedPost(LIMIT), LAST]);
  assert.deepEqual(statuses(text), [200, 200]);
});

test('a chunked body more than 64 MiB past the limit: the connection is dropped unanswered', async () => {
  // libmicrohttpd 0.9.75 cannot reply before a body ends: past what we read and drop, closing is
  // the only way to stop it (docs/operations.md).
  const cut = await exchange([...chunkedPost(LIMIT + DISCARD_MAX + 64 * 1024), NEXT]);
  assert.deepEqual(statuses(cut.text), []);
  assert.ok(cut.closed);
  // The other side: just inside what is read and dropped, the 413 comes.
  const inside = await exchange([...chunkedPost(LIMIT + DISCARD_MAX - 64 * 1024), NEXT]);
  assert.deepEqual(statuses(inside.text), [413]);
  assert.ok(inside.closed);
});

// ---- one response per request ----

test('a Cookie header larger than the connection memory: one 431, closed', async () => {
  await refused(get('/healthz', `Host: t\r\nCookie: a=${'b'.repeat(128 * 1024)}\r\n`), 431, '128 KiB cookie');
});

// The refusal comes while the client is still sending. Closing a socket that holds unread input
// makes the kernel send a reset, which fails the client's write and throws away the answer before
// it reads it: the service must keep reading (and dropping) the rest first, a lingering close
// (RFC 9112, 9.6). The client reads nothing until all of its request is written; 16 MiB is more
// than the loopback socket buffers hold, so the refusal always comes mid-write. The service's
// clock stands still meanwhile, so the lingering time (5 s) cannot run out on a slow machine.
test('a refusal sent while the client is still writing arrives: lingering close', async () => {
  const clock = async (q) => assert.equal((await fetch(`${srv.base}/debug/clock?${q}`, { method: 'POST' })).status, 200);
  await clock('freeze=1');
  const { text, closed, writeError } = await new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    sock.pause();
    let got = '';
    let writeError = null;
    const timer = setTimeout(() => done(false), BOUND_MS);
    const done = (closed) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ text: got, closed, writeError });
    };
    sock.on('error', (e) => {
      writeError = writeError || e.code;
      done(true);
    });
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('end', () => done(true));
    sock.write(`GET /healthz HTTP/1.1\r\nHost: t\r\nCookie: a=`);
    sock.write(Buffer.alloc(16 * MiB, 'b'));
    sock.end('\r\n\r\n', () => sock.resume());
  });
  await clock('freeze=0');
  assert.equal(writeError, null, 'the client could write all of its request');
  assert.deepEqual(statuses(text), [431]);
  assert.ok(closed);
  const m = await (await fetch(`${srv.base}/metrics`)).text();
  assert.match(m, /^takedown_http_lingering_closes_total [1-9]/m, 'counted as a lingering close');
});

test('a Cookie header that fits but cannot be copied (half the connection memory): one 431, closed', { todo: MHD_TODO }, async () => {
  await refused(get('/healthz', `Host: t\r\nCookie: a=${'b'.repeat(48 * 1024)}\r\n`), 431, '48 KiB cookie');
});

// ---- 100-continue ----

test('Expect: 100-continue: a good request gets 100 then its answer; a refused one only its 400', async () => {
  const good = await exchange([
    post('Content-Length: 7\r\nExpect: 100-continue\r\n'),
    { waitFor: /^HTTP\/1\.1 100 / },
    BODY,
    LAST,
  ]);
  assert.deepEqual(statuses(good.text), [100, 200, 200]);
  const bad = await exchange([post('Content-Length: 7\r\nContent-Length: 7\r\nExpect: 100-continue\r\n'), NEXT]);
  assert.deepEqual(statuses(bad.text), [400], 'no 100 Continue for a refused request');
  assert.ok(bad.closed);
});
