// Issue 12: slow and many clients. Every connection has a deadline by phase on the service's clock
// (--header-timeout for a request head, --min-rate for a body and an answer after that grace), a
// cap per address, and a connection limit sized for epoll. The deadline tests hold the service's
// clock still and move the connections' clock by hand (/debug/clock?connections=N), so they do
// not depend on how fast this machine is; the load tests bound what they send by count, assert
// that a normal client is never made to wait for a slow one, and print its answer times against
// the one-second goal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, ctl, tempDir, statusOf } from './lib.mjs';

const HEADER_S = 15; // --header-timeout's default
const MIN_RATE = 1024; // --min-rate's default
const PER_ADDRESS = 100;
// A normal request that had to wait for a slow client's slot would wait for that client's head
// deadline (HEADER_S, real time in the attack tests). The bound is half of that, so the test
// tells a starved service from a busy machine; the one-second goal is printed as a figure,
// measured, as a timing on a shared machine must be (docs/performance.md).
const STARVED_MS = (HEADER_S * 1000) / 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const password = 'Slow-clients-' + Date.now().toString(36) + '-Aa1';

let srv;
let staffCookie;

// One request on a fresh connection, closed after the answer: {status, ms, body}.
function request(path, { from = '127.0.0.1', method = 'GET', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: from });
    const chunks = [];
    const timer = setTimeout(() => sock.destroy(new Error(`no answer to ${path} within 30 s`)), 30000);
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ status: statusOf(raw), ms: performance.now() - t0, body: raw });
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const h = { Host: 'localhost', Connection: 'close', ...headers };
    if (body) h['Content-Length'] = Buffer.byteLength(body);
    const head = Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n${body}`);
  });
}

async function clock(query) {
  const r = await request('/debug/clock?' + query, { method: 'POST' });
  assert.equal(r.status, 200, 'debug clock');
}

async function metric(name) {
  const r = await request('/metrics');
  const m = new RegExp('^' + name.replace(/[{}"]/g, '\\$&') + ' (\\d+)$', 'm').exec(r.body);
  assert.ok(m, `metric ${name}`);
  return Number(m[1]);
}

// A connection from `from` that has sent `text`; resolves once connected. sock.gone becomes a
// promise of the server's close.
function open(text = '', from = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: from });
    sock.received = 0;
    sock.on('data', (d) => (sock.received += d.length));
    sock.gone = new Promise((r) => sock.on('close', r));
    sock.on('error', () => {});
    sock.once('connect', () => {
      if (text) sock.write(text);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

// Waits until the server has sock's connection in `phase` with at least `answers` answers given
// (the service's own word, /debug/connection), so the clock moves only once it is there.
async function waitPhase(sock, phase, answers = 0) {
  let seen;
  for (let i = 0; i < 300; i++) {
    const r = await request('/debug/connection?port=' + sock.localPort);
    seen = r.body.slice(r.body.indexOf('\r\n\r\n') + 4);
    if (r.status === 200) {
      const v = JSON.parse(seen);
      if (v.phase === phase && v.answers >= answers) return;
    }
    await sleep(100);
  }
  assert.fail(`connection never in phase ${phase}: ${seen}`);
}

// Whether the server closes sock within ms (a bound on waiting, not a speed: the sweeper runs
// once a second).
async function closedWithin(sock, ms) {
  return Promise.race([sock.gone.then(() => true), sleep(ms).then(() => false)]);
}

before(async () => {
  const dir = tempDir();
  const init = ctl(['init', '--data-dir', dir, '--admin', 'admin'], [password, password]);
  assert.equal(init.status, 0, init.stderr);
  srv = await startServer({ dataDir: dir, args: ['--debug-routes', '--max-connections-per-address', String(PER_ADDRESS)] });
  const r = await fetch(srv.base + '/api/v1/staff/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password }),
  });
  assert.equal(r.status, 200);
  staffCookie = /td_session=([^;]+)/.exec(r.headers.get('set-cookie'))[1];
});
after(async () => {
  await srv.stop();
  srv.cleanup();
});

test('a request head still coming at --header-timeout is cut; one within it is served', async () => {
  await clock('freeze=1');
  try {
    const within = await open('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    const late = await open('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n');
    await waitPhase(within, 'head');
    await waitPhase(late, 'head');
    await clock(`connections=${HEADER_S - 1}`);
    assert.equal(await closedWithin(late, 2500), false, 'not cut before its deadline');
    within.write('Connection: close\r\n\r\n');
    assert.equal(await closedWithin(within, 10000), true);
    assert.ok(within.received > 0, 'the head that came in time was answered');
    await clock('connections=2');
    assert.equal(await closedWithin(late, 10000), true, 'cut after its deadline');
    assert.equal(late.received, 0, 'nothing was answered on the cut connection');
    assert.ok((await metric('takedown_http_connections_cut_total{phase="head"}')) >= 1);
  } finally {
    await clock('freeze=0');
  }
});

test('a kept-alive connection waiting for its next request has --header-timeout too', async () => {
  await clock('freeze=1');
  try {
    const sock = await open('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitPhase(sock, 'head', 1);
    assert.ok(sock.received > 0, 'first answer');
    await clock(`connections=${HEADER_S + 1}`);
    assert.equal(await closedWithin(sock, 10000), true);
  } finally {
    await clock('freeze=0');
  }
});

test('moving the service clock leaves kept-alive connections alone (only their own clock cuts them)', async () => {
  await clock('freeze=1');
  try {
    const sock = await open('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitPhase(sock, 'head', 1);
    await clock('seconds=' + 4 * HEADER_S); // (not days: the staff session of the load tests must live)
    assert.equal(await closedWithin(sock, 2500), false, 'the service clock does not cut it');
    sock.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitPhase(sock, 'head', 2);
    await clock(`connections=${HEADER_S + 1}`);
    assert.equal(await closedWithin(sock, 10000), true, 'its own clock does');
  } finally {
    await clock('freeze=0');
  }
});

test('the end of a freeze goes on from where the connections\' clock stood (no jump that cuts kept-alive connections)', async () => {
  await clock('freeze=1');
  try {
    const sock = await open('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitPhase(sock, 'head', 1);
    await sleep(6000); // real time while frozen: a clock that jumped at the thaw would count it
    await clock(`connections=${HEADER_S - 5}`);
    await clock('freeze=0'); // a thaw...
    await clock('freeze=1'); // ...and held again at once: only a jump could pass the deadline now
    assert.equal(await closedWithin(sock, 2500), false, 'not cut by the thaw');
    sock.destroy();
  } finally {
    await clock('freeze=0');
  }
});

test('a body must keep coming at --min-rate after the grace: both sides of the limit', async () => {
  await clock('freeze=1');
  try {
    const head = 'POST /api/v1/cases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n';
    // 2 KiB buys 2 s past the grace: due at HEADER_S + 2.
    const paid = await open(head + ' '.repeat(2 * MIN_RATE));
    const unpaid = await open(head + ' ');
    await waitPhase(paid, 'body');
    await waitPhase(unpaid, 'body');
    await clock(`connections=${HEADER_S + 1}`);
    assert.equal(await closedWithin(unpaid, 10000), true, 'a body at almost nothing is cut');
    assert.equal(await closedWithin(paid, 2500), false, 'a body that kept the rate is not');
    await clock('connections=2');
    assert.equal(await closedWithin(paid, 10000), true, 'until it falls behind');
    assert.ok((await metric('takedown_http_connections_cut_total{phase="body"}')) >= 2);
  } finally {
    await clock('freeze=0');
  }
});

test('an answer not read at --min-rate is cut; one read in time arrives whole', async () => {
  const size = (await request('/api/v1/openapi.json')).body.length;
  const n = Math.ceil((24 << 20) / size); // more than the socket buffers of both ends hold
  const pipelined = 'GET /api/v1/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(n);
  await clock('freeze=1');
  try {
    const reader = await open();
    reader.pause();
    reader.write(pipelined);
    await waitPhase(reader, 'send');
    await clock(`connections=${HEADER_S - 1}`);
    await sleep(2500);
    let count = 0;
    reader.on('data', (d) => (count += d.toString('latin1').split('HTTP/1.1 200').length - 1));
    reader.resume();
    reader.end();
    await reader.gone;
    assert.equal(count, n, 'every answer arrived');

    const slow = await open();
    slow.pause();
    slow.write(pipelined);
    await waitPhase(slow, 'send');
    // Until the client's buffers are full the server moves on to the next answer, each with a
    // fresh deadline; once they are, the answer it is stuck on runs out at the next move.
    const cutBefore = await metric('takedown_http_connections_cut_total{phase="send"}');
    let cut = false;
    for (let i = 0; i < 30 && !cut; i++) {
      await clock(`connections=${HEADER_S + Math.ceil(size / MIN_RATE) + 1}`);
      for (let j = 0; j < 20 && !cut; j++) {
        cut = (await metric('takedown_http_connections_cut_total{phase="send"}')) > cutBefore;
        if (!cut) await sleep(100);
      }
    }
    assert.ok(cut, 'cut while sending');
    let got = 0;
    slow.on('data', (d) => (got += d.toString('latin1').split('HTTP/1.1 200').length - 1));
    slow.resume();
    await slow.gone;
    assert.ok(got < n, `the cut answer stream ended early (${got} of ${n})`);
  } finally {
    await clock('freeze=0');
  }
});

test('connections from one address are capped; other addresses are not held back', async () => {
  const extra = 20;
  const socks = [];
  for (let i = 0; i < PER_ADDRESS + extra; i++) socks.push(await open('', '127.0.0.2'));
  const closed = [];
  for (let i = 0; i < 100 && closed.length < extra; i++) {
    await sleep(100);
    closed.length = 0;
    for (const s of socks) if (s.destroyed || s.readyState === 'closed') closed.push(s);
  }
  assert.equal(closed.length, extra, 'exactly the connections over the cap were refused');
  const held = socks.filter((s) => !closed.includes(s));
  // Every one under the cap is served.
  const answered = await Promise.all(held.map(async (s) => {
    s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await s.gone;
    return s.received > 0;
  }));
  assert.equal(answered.filter(Boolean).length, PER_ADDRESS);
  assert.equal((await request('/healthz', { from: '127.0.0.3' })).status, 200);
});

// One kept-alive connection for reading metrics and moving the clock: a connection per request
// would itself linger for a moment after each answer and take a lingering place.
async function keptAlive() {
  const sock = await open();
  let buf = Buffer.alloc(0);
  let waiting = null;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (waiting) waiting();
  });
  const answer = async () => {
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length >= end + 4 + length) {
          const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
          buf = buf.subarray(end + 4 + length);
          return { status: statusOf(head), body };
        }
      }
      await new Promise((r) => (waiting = r));
    }
  };
  const send = async (method, path) => {
    sock.write(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n`);
    return answer();
  };
  return {
    async metrics() {
      const { body } = await send('GET', '/metrics');
      const read = (name) => Number(new RegExp('^' + name.replace(/[{}"]/g, '\\$&') + ' (\\d+)$', 'm').exec(body)[1]);
      return {
        now: read('takedown_http_lingering'),
        total: read('takedown_http_lingering_closes_total'),
        time: read('takedown_http_lingering_cut_total{reason="time"}'),
        full: read('takedown_http_lingering_cut_total{reason="full"}'),
      };
    },
    async clock(query) {
      assert.equal((await send('POST', '/debug/clock?' + query)).status, 200, 'debug clock');
    },
    // Reads the metrics until ok(m) holds (a bound on waiting: the lingering thread looks at the
    // clock at least once a second).
    async until(ok, what) {
      let m;
      for (let i = 0; i < 300; i++) {
        m = await this.metrics();
        if (ok(m)) return m;
        await sleep(100);
      }
      assert.fail(`${what}: ${JSON.stringify(m)}`);
    },
    close: () => sock.destroy(),
  };
}

const LINGER_MAX = 128; // service/linger.h
const LINGER_MS = 5000;

test('a connection we close lingers while its client has not closed: LINGER_MAX at once, LINGER_MS each, both sides', async () => {
  const probe = await keptAlive();
  await probe.clock('freeze=1');
  try {
    const before = await probe.until((m) => m.now === 0, 'nothing lingers at first');
    // Clients that read their answer (Connection: close) and keep their side open: each lingers.
    const socks = [];
    for (let i = 0; i < LINGER_MAX + 1; i++) {
      const sock = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
      sock.on('error', () => {});
      sock.on('data', () => {});
      await new Promise((r) => {
        sock.once('end', r);
        sock.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      socks.push(sock);
    }
    const full = await probe.until((m) => m.total - before.total + m.full - before.full >= LINGER_MAX + 1, 'every close seen');
    assert.equal(full.now, LINGER_MAX, 'LINGER_MAX linger at once');
    assert.equal(full.total - before.total, LINGER_MAX);
    assert.equal(full.full - before.full, 1, 'the one past LINGER_MAX is closed at once');

    await probe.clock(`connections=${LINGER_MS / 1000 - 1}`);
    await sleep(1500); // the lingering thread looks again within a second
    const early = await probe.metrics();
    assert.equal(early.now, LINGER_MAX, 'still lingering a second before LINGER_MS');
    assert.equal(early.time, before.time);

    await probe.clock('connections=2');
    const late = await probe.until((m) => m.now === 0, 'closed at LINGER_MS');
    assert.equal(late.time - before.time, LINGER_MAX, 'closed for their time');
    for (const s of socks) s.destroy();

    // A client that closes its side ends its lingering at once, whatever the clock.
    const quick = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
    quick.on('data', () => {});
    await new Promise((r) => {
      quick.once('end', r);
      quick.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    await probe.until((m) => m.total === late.total + 1 && m.now === 1, 'the next one lingers');
    quick.end();
    const after = await probe.until((m) => m.now === 0, 'the closing client ended its lingering');
    assert.equal(after.time, late.time, 'not for its time');
  } finally {
    await probe.clock('freeze=0');
    probe.close();
  }
});

// Opens `count` attacking connections spread over `addresses`, a third each slowloris, slow body
// and slow read, reopening any the server closes (at most count * 3 opens in all) until stop().
function attack(count, addresses) {
  const socks = new Set();
  let opens = 0;
  let stopped = false;
  const kinds = [
    { first: 'GET /report HTTP/1.1\r\nHost: localhost\r\n', drip: 'X-Drip: 1\r\n' },
    { first: 'POST /api/v1/cases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n', drip: ' ' },
    { first: 'GET /report HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(4), drip: null, pause: true },
  ];
  function one(i) {
    if (stopped || opens >= count * 3) return;
    opens++;
    const kind = kinds[i % 3];
    const from = addresses[i % addresses.length];
    const sock = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: from });
    sock.kind = kind;
    socks.add(sock);
    sock.on('error', () => {});
    sock.on('connect', () => {
      if (kind.pause) sock.pause();
      sock.write(kind.first);
    });
    sock.on('close', () => {
      socks.delete(sock);
      setTimeout(() => one(i), 50);
    });
  }
  for (let i = 0; i < count; i++) one(i);
  const dripper = setInterval(() => {
    for (const s of socks) if (s.kind.drip && s.writable) s.write(s.kind.drip);
  }, 500);
  return {
    get open() {
      return socks.size;
    },
    stop() {
      stopped = true;
      clearInterval(dripper);
      for (const s of socks) s.destroy();
    },
  };
}

// A normal client's rounds of /healthz, /report and the staff queue page for `rounds` rounds;
// returns the slowest answer and every status.
async function normalClient(rounds) {
  let slowest = 0;
  const statuses = [];
  for (let i = 0; i < rounds; i++) {
    for (const [path, headers] of [['/healthz', {}], ['/report', {}], ['/staff', { Cookie: 'td_session=' + staffCookie }]]) {
      const r = await request(path, { headers });
      statuses.push(r.status);
      slowest = Math.max(slowest, r.ms);
    }
    await sleep(100);
  }
  return { slowest, statuses };
}

for (const [name, addresses] of [
  ['one address', ['127.0.0.2']],
  ['50 addresses', Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 2}`)],
]) {
  test(`1,000 slow connections from ${name}: a normal client never waits for a slow one, during or after (answer times printed against the one-second goal)`, async () => {
    const a = attack(1000, addresses);
    try {
      for (let i = 0; i < 100 && a.open < Math.min(1000, PER_ADDRESS * addresses.length) * 0.9; i++) await sleep(100);
      const during = await normalClient(15);
      assert.ok(during.statuses.every((s) => s === 200), `statuses during: ${[...new Set(during.statuses)]}`);
      console.log(`# ${name}: slowest normal answer during the attack ${Math.round(during.slowest)} ms (goal: under 1,000 ms)`);
      assert.ok(during.slowest < STARVED_MS, `slowest answer during the attack: ${Math.round(during.slowest)} ms`);
    } finally {
      a.stop();
    }
    const afterwards = await normalClient(3);
    assert.ok(afterwards.statuses.every((s) => s === 200));
    console.log(`# ${name}: slowest normal answer after the attack ${Math.round(afterwards.slowest)} ms (goal: under 1,000 ms)`);
    assert.ok(afterwards.slowest < STARVED_MS, `slowest answer after: ${Math.round(afterwards.slowest)} ms`);
    // The server closes what the attacker closed; whatever it has not noticed, the head deadline
    // (real time here: 15 s) cuts. So within HEADER_S + 15 s at most a few are left.
    let open = Infinity;
    for (const until = Date.now() + (HEADER_S + 15) * 1000; open > 5 && Date.now() < until; ) {
      open = (await metric('takedown_http_connections{phase="head"}')) + (await metric('takedown_http_connections{phase="body"}')) + (await metric('takedown_http_connections{phase="send"}'));
      if (open > 5) await sleep(100);
    }
    if (open > 5) console.log(await (await request('/metrics')).body.split('\n').filter((l) => l.startsWith('takedown_http_conn')).join('\n'));
    assert.ok(open <= 5, `connections left open after the attack: ${open}`);
  });
}
