// Issue 15, observability: after a scripted session every metric is on /metrics in the
// Prometheus text format (HELP and TYPE for each family, histograms cumulative with +Inf equal
// to their count); requests are counted by route pattern, never by a path's values; a copy whose
// clock ran out is counted overdue (the injected clock moved past it); every metric the example
// alert rules use exists; /readyz is 200 while serving and 503 once the service is draining.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { REPO, startServer, initStaff, call } from './lib.mjs';

let srv, pw, caseId;

const FAMILIES = {
  takedown_http_requests_total: 'counter', takedown_http_request_seconds_sum: 'counter',
  takedown_http_route_requests_total: 'counter', takedown_http_route_duration_seconds: 'histogram',
  takedown_slow_work_load: 'gauge', takedown_slow_work_wait_seconds: 'histogram',
  takedown_store_transaction_seconds: 'histogram', takedown_store_commits_total: 'counter',
  takedown_checks_total: 'counter', takedown_overdue_copies: 'gauge', takedown_background_leader: 'gauge',
  takedown_data_dir_free_bytes: 'gauge', takedown_data_dir_reserve_bytes: 'gauge',
  takedown_storage_low_refusals_total: 'counter', takedown_argon2_runs_total: 'counter',
  takedown_http_connections: 'gauge',
  takedown_outbox_depth: 'gauge', takedown_outbox_oldest_seconds: 'gauge',
  takedown_outbox_sent_total: 'counter', takedown_outbox_failures_total: 'counter',
  takedown_outbox_dropped_total: 'counter',
};

// The exposition parsed: families with their type and samples as {name, labels, value}.
function parse(text) {
  const types = {}, helps = {}, samples = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m;
    if ((m = /^# HELP (\w+) .+$/.exec(line))) helps[m[1]] = true;
    else if ((m = /^# TYPE (\w+) (counter|gauge|histogram)$/.exec(line))) types[m[1]] = m[2];
    else if ((m = /^(\w+)(?:\{(.*)\})? (-?[0-9.e+]+)$/.exec(line))) {
      const labels = {};
      for (const [, k, v] of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      samples.push({ name: m[1], labels, value: Number(m[3]) });
    } else assert.fail(`not a line of the text format: ${line}`);
  }
  return { types, helps, samples };
}
const metrics = async () => parse((await call(srv.base, 'GET', '/metrics')).text);

before(async () => {
  let dir;
  ({ dir, pw } = initStaff('takedown-metrics-', [['cw1', 'caseworker']]));
  srv = await startServer({ dataDir: dir, args: ['--debug-routes'] });
  await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} });
  const r = await call(srv.base, 'POST', '/api/v1/cases', {
    json: {
      language: 'zh-CN', requester: { role: 'self', name: '赵六', contact: { channel: 'phone', value: '+86 139 0000 2222' } },
      incident: { type: 'intimate' }, consent: { share_identity_with_platform: true, preservation: 'none' },
      good_faith: true, signature: '赵六', targets: [{ kind: 'online', url: 'https://www.douyin.com/video/7300000000000000042' }],
    },
  });
  assert.equal(r.status, 201, r.text);
  caseId = r.body.case;
  const s = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  const cw = { cookie: s.cookies.td_session, csrf: s.body.csrf };
  const v = await call(srv.base, 'GET', `/api/v1/staff/cases/${caseId}`, { cookie: cw.cookie });
  const target = v.body.targets[0].id;
  for (const to of ['in_review', 'ready', 'notice_sent'])
    assert.equal((await call(srv.base, 'POST', `/api/v1/staff/targets/${target}/transition`, { cookie: cw.cookie, csrf: cw.csrf,
      json: { to, reason: '未经同意发布', evidence: '截图', representative: '中心' } })).status, 200, to);
});

after(async () => {
  await srv?.stop();
});

test('every family after a scripted session: HELP, TYPE, and histograms that add up', async () => {
  const { types, helps, samples } = await metrics();
  for (const [name, type] of Object.entries(FAMILIES)) {
    assert.equal(types[name], type, `${name} is a ${type}`);
    assert.ok(helps[name], `${name} has HELP`);
  }
  for (const s of samples) {
    const family = s.name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types[s.name] || types[family], `${s.name} belongs to a typed family`);
  }
  // Each histogram series: buckets never decrease, +Inf equals _count.
  const series = {};
  for (const s of samples.filter((x) => x.name.endsWith('_bucket'))) {
    const { le, ...rest } = s.labels;
    (series[`${s.name}|${JSON.stringify(rest)}`] ??= []).push([le, s.value]);
  }
  assert.ok(Object.keys(series).length >= 4);
  for (const [key, buckets] of Object.entries(series)) {
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], `${key} cumulative`);
    assert.equal(buckets.at(-1)[0], '+Inf');
    const [name, labels] = key.split('|');
    const count = samples.find((x) => x.name === name.replace(/_bucket$/, '_count') && JSON.stringify(x.labels) === labels);
    assert.equal(count.value, buckets.at(-1)[1], `${key}: +Inf is the count`);
  }
  assert.ok(samples.find((x) => x.name === 'takedown_store_transaction_seconds_count').value >= 4, 'the report and three transitions');
  assert.ok(samples.find((x) => x.name === 'takedown_slow_work_wait_seconds_count').value >= 2, 'Argon2id runs waited in the queue');
  for (const result of ['gone', 'up', 'unknown']) assert.ok(samples.some((x) => x.name === 'takedown_checks_total' && x.labels.result === result));
});

test('requests by route pattern and method, never a path\'s values', async () => {
  const { samples } = await metrics();
  const by = (route, method, cls) => samples.find((x) => x.name === 'takedown_http_route_requests_total' &&
    x.labels.route === route && x.labels.method === method && x.labels.class === cls)?.value;
  assert.equal(by('/api/v1/cases', 'POST', '2xx'), 1);
  assert.equal(by('/api/v1/staff/targets/{id}/transition', 'POST', '2xx'), 3);
  assert.equal(by('/api/v1/staff/cases/{case}', 'GET', '2xx'), 1);
  await call(srv.base, 'GET', '/no/such/page');
  const after = (await metrics()).samples;
  assert.ok(after.some((x) => x.name === 'takedown_http_route_requests_total' && x.labels.route === '(none)' && x.labels.class === '4xx'));
  const text = (await call(srv.base, 'GET', '/metrics')).text;
  assert.ok(!text.includes(caseId) && !text.includes('/no/such/page'), 'no path values');
});

test('overdue copies: none before the clock runs out, one after (the injected clock moved 73 hours)', async () => {
  const overdue = async () => (await metrics()).samples.find((x) => x.name === 'takedown_overdue_copies').value;
  assert.equal(await overdue(), 0);
  await call(srv.base, 'POST', `/debug/clock?seconds=${73 * 3600}`, { json: {} });
  assert.equal(await overdue(), 1);
});

test('every metric the example alert rules use exists', async () => {
  const rules = readFileSync(path.join(REPO, 'deploy/takedown-alerts.yml'), 'utf8');
  const { types } = await metrics();
  const used = new Set([...rules.matchAll(/\btakedown_[a-z0-9_]+/g)].map((m) => m[0].replace(/_bucket$/, '')));
  assert.ok(used.size >= 7);
  for (const name of used) assert.ok(types[name], `${name} in the rules is a metric`);
});

// A raw keep-alive connection, to ask /readyz after the listener has closed for new ones.
function keepAlive(port) {
  const sock = net.connect(port, '127.0.0.1');
  let buf = '';
  sock.on('data', (d) => (buf += d));
  return {
    async get(p, method = 'GET') {
      buf = '';
      sock.write(`${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 10))) {
        const m = /^HTTP\/1\.1 (\d+)[^]*?\r\n\r\n([^]*)$/.exec(buf);
        if (m && m[2].includes('}')) return { status: Number(m[1]), body: m[2] };
      }
      assert.fail('no answer on the kept-alive connection');
    },
    close: () => sock.destroy(),
  };
}

test('/readyz: 200 while serving; 503 draining once the service is told to stop, while a request finishes', async () => {
  const conn = keepAlive(srv.port);
  assert.equal((await conn.get('/readyz')).status, 200);
  const held = call(srv.base, 'GET', '/debug/slow?hold=1&ms=60000');
  for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 10)))
    if (/GET \/debug\/slow/.test(srv.log()) || (await metrics()).samples.find((x) => x.name === 'takedown_slow_work_load')?.value >= 1) break;
  srv.proc.kill('SIGTERM');
  for (const until = Date.now() + 30000; Date.now() < until && !/finishing in-flight requests/.test(srv.log()); )
    await new Promise((r) => setTimeout(r, 10));
  const draining = await conn.get('/readyz');
  assert.equal(draining.status, 503);
  assert.match(draining.body, /"draining"/);
  // The held request finishes (released over the same connection), then the service stops.
  assert.equal((await conn.get('/debug/release', 'POST')).status, 200);
  conn.close();
  assert.equal((await held).status, 200, 'the request in flight was answered');
  assert.deepEqual(await srv.exited, { code: 0, signal: null });
  srv = null;
});
