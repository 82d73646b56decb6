// Issue 14, how fast platforms act, over real HTTP against the real binaries: a history seeded
// through the caseworkers' API under the injected clock (frozen, then moved to each moment): two
// platforms on two routes over two ISO weeks, notices, decisions (removed, restricted, rejected,
// one late, one after a needs_info round that restarts the clock), verified gone, a re-upload,
// an overdue copy, one still inside its clock, offline visits, and a notice before the period.
// The JSON of GET /api/v1/stats/platforms, its CSV and `takedownctl stats --platforms` must equal
// figures this file computes on its own from the times it used (nearest-rank percentiles, as
// docs/operations.md defines them). The page draws its SVG charts with their tables in Chinese
// and English; bad periods are a 400 naming the field, on both sides of each limit.
//
// Nothing here depends on the machine's speed: every time is set by /debug/clock, and the
// background work never runs (--tick-seconds 86400).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, initStaff, ctl, I18N, call as callAs } from './lib.mjs';

const HOUR = 3600;
const DAY = 86400;
const OFFSET = 8 * HOUR; // China time
// Monday 2030-01-07 00:00 China time: ISO week 2030-W02.
const BASE = Date.UTC(2030, 0, 7) / 1000 - OFFSET;
const CLOCK = { douyin: 72, tiktok: 48 }; // cn_complaint and us_take_it_down, the seeded defaults
const ROUTE = { douyin: 'cn_complaint', tiktok: 'us_take_it_down' };

let srv, dir, pw;
let n = 0;
const xff = () => `10.77.${(++n >> 8) & 255}.${n & 255}`;
const call = (method, p, opts = {}) => callAs(srv.base, method, p, { xff: xff(), ...opts });
const sessions = {};

async function signIn(login) {
  const r = await call('POST', '/api/v1/staff/session', { json: { login, password: pw[login] } });
  assert.equal(r.status, 200, `${login} signs in: ${r.text}`);
  sessions[login] = { cookie: r.cookies.td_session, csrf: r.body.csrf };
}

// A call as a staff member; sessions end when the clock jumps days ahead, so sign in again then.
async function as(login, method, p, json, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    if (!sessions[login]) await signIn(login);
    const s = sessions[login];
    const unsafe = !['GET', 'HEAD'].includes(method);
    const r = await call(method, p, { cookie: s.cookie, csrf: unsafe ? s.csrf : undefined, json: unsafe ? (json ?? {}) : undefined, ...opts });
    if (r.status !== 401 || attempt > 0) return r;
    delete sessions[login];
  }
}

// The service's clock, frozen, set to an absolute time.
let clockNow = 0;
async function setClock(t) {
  const r = await call('POST', `/debug/clock?freeze=1&seconds=${t - clockNow}`, { json: {} });
  assert.equal(r.status, 200);
  clockNow = r.body.now;
  assert.equal(clockNow, t, 'the clock stands where the test put it');
}

// ---- the seeded history, and what the test remembers of it ----

const copies = []; // {platform, route, notices: [{at, due}], decision: {at, state}|null, gone, withdrawn}
const reuploads = []; // {platform, route, at}
const offline = []; // {outcome, at}

let seq = 0;
async function newCase(targets) {
  seq++;
  const r = await call('POST', '/api/v1/cases', {
    json: {
      language: 'zh-CN',
      requester: { role: 'self', name: '李四', contact: { channel: 'phone', value: `+86 138 0000 ${String(1000 + seq).slice(-4)}` } },
      incident: { type: 'crime', date: '2029-12-01', place: '上海' },
      description: 'stats',
      consent: { share_identity_with_platform: true, preservation: 'fingerprint' },
      good_faith: true,
      signature: '李四',
      targets,
      fingerprints: [{ alg: 'sha256', value: 'ab'.repeat(31) + String(10 + seq).slice(-2) }],
    },
  });
  assert.equal(r.status, 201, r.text);
  const v = await as('cw1', 'GET', `/api/v1/staff/cases/${r.body.case}`);
  assert.equal(v.status, 200, v.text);
  return v.body.targets;
}

const urlOf = (platform) => platform === 'douyin'
  ? `https://www.douyin.com/video/74${String(1e15 + seq * 7919 + Date.now() % 100000)}`
  : `https://www.tiktok.com/@someone/video/73${String(1e15 + seq * 7919 + Date.now() % 100000)}`;

async function move(tid, to, fields = {}) {
  const r = await as('cw1', 'POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
  assert.equal(r.status, 200, `-> ${to}: ${r.text}`);
}

const NOTICE = { reason: '未经同意发布', evidence: '截图已保存' };

// An online copy made ready for its notice (at the clock as it stands); returns its record.
async function online(platform) {
  const [t] = await newCase([{ kind: 'online', url: urlOf(platform), platform }]);
  await move(t.id, 'in_review');
  await move(t.id, 'ready');
  const c = { id: t.id, platform, route: ROUTE[platform], notices: [], decision: null, gone: 0 };
  copies.push(c);
  return c;
}
// An offline copy in review, waiting for its visit.
async function offlineCopy() {
  const [t] = await newCase([{ kind: 'offline', holder: '便利店老板', where: '南京路' }]);
  await move(t.id, 'in_review');
  return t.id;
}

// Each step at its moment (seconds after BASE); the steps run in the order of their moments.
const steps = {
  notice: async (c) => {
    await move(c.id, 'notice_sent', NOTICE);
    c.notices.push({ at: clockNow, due: clockNow + CLOCK[c.platform] * HOUR });
  },
  decide: async (c, state) => {
    await move(c.id, state, state === 'rejected' ? { reason: '不构成侵权' } : {});
    if (!c.decision) c.decision = { at: clockNow, state };
  },
  move: (c, to, fields) => move(c.id, to, fields),
  gone: async (c) => {
    await move(c.id, 'verified_gone');
    if (!c.gone) c.gone = clockNow;
  },
  reupload: async (c) => {
    const r = await as('cw1', 'POST', `/api/v1/staff/targets/${c.id}/reupload`, { url: urlOf('tiktok') });
    assert.equal(r.status, 201, r.text);
    reuploads.push({ platform: 'tiktok', route: 'us_take_it_down', at: clockNow });
  },
  plan: (tid) => move(tid, 'visit_planned', { planned_at: '2030-01-20 10:00', place: '南京路', staff_a: 'cw1', staff_b: 'cw2' }),
  visited: async (tid, outcome) => {
    await move(tid, outcome, { reason: '已走访', statement: outcome === 'visited_deleted' ? 'yes' : 'no' });
    offline.push({ outcome, at: clockNow });
  },
};
async function play(plan) {
  const sorted = [...plan].sort((a, b) => a[0] - b[0]);
  for (const [at, step, ...args] of sorted) {
    if (BASE + at !== clockNow) await setClock(BASE + at);
    await steps[step](...args);
  }
}

// ---- what the figures must be, computed here from the times above ----

const dayOf = (t) => Math.floor((t + OFFSET) / DAY);
const mondayOf = (day) => day - (((day + 3) % 7) + 7) % 7;
const dateOf = (day) => new Date(day * DAY * 1000).toISOString().slice(0, 10);
function isoWeek(day) {
  const thursday = new Date((mondayOf(day) + 3) * DAY * 1000);
  const y = thursday.getUTCFullYear();
  const yday = Math.floor((thursday - Date.UTC(y, 0, 1)) / (DAY * 1000));
  return `${y}-W${String(Math.floor(yday / 7) + 1).padStart(2, '0')}`;
}
// Nearest rank: the value at rank ceil(p/100 * n) of the sorted values.
function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil((p / 100) * s.length) - 1];
}

function emptyFigures(week) {
  return { notices: 0, copies: 0, decided: 0, removed: 0, restricted: 0, rejected: 0, dec: [], gone: [], within: 0, settled: 0, reuploads: 0, overdue: week ? null : 0 };
}
function finish(f) {
  return {
    notices: f.notices, copies: f.copies, decided: f.decided, removed: f.removed, restricted: f.restricted, rejected: f.rejected,
    decision_median_s: percentile(f.dec, 50), decision_p90_s: percentile(f.dec, 90),
    verified_gone: f.gone.length, gone_median_s: percentile(f.gone, 50), gone_p90_s: percentile(f.gone, 90),
    within_clock: f.within, settled: f.settled, within_clock_share: f.settled ? f.within / f.settled : null,
    reuploads: f.reuploads, overdue: f.overdue,
  };
}

function expected(fromDay, toDay, now) {
  const from = fromDay * DAY - OFFSET, to = (toDay + 1) * DAY - OFFSET;
  const first = mondayOf(fromDay);
  const weeks = [];
  for (let m = first; m <= toDay; m += 7) weeks.push({ week: isoWeek(m), start: dateOf(m) });
  const groups = new Map();
  const group = (platform, route) => {
    const k = `${platform}/${route}`;
    if (!groups.has(k)) groups.set(k, { platform, route, total: emptyFigures(false), weeks: weeks.map(() => emptyFigures(true)) });
    return groups.get(k);
  };
  const all = { platform: 'all', route: 'all', total: emptyFigures(false), weeks: weeks.map(() => emptyFigures(true)) };
  const wk = (t) => Math.floor((dayOf(t) - first) / 7);
  const places = (platform, route, t) => {
    const g = group(platform, route);
    return [g.total, g.weeks[wk(t)], all.total, all.weeks[wk(t)]];
  };
  for (const c of copies) {
    for (const [i, nt] of c.notices.entries()) {
      if (nt.at < from || nt.at >= to) continue;
      for (const f of places(c.platform, c.route, nt.at)) {
        f.notices++;
        if (i !== 0) continue;
        f.copies++;
        const d = c.decision;
        const inForce = d ? c.notices.filter((x) => x.at <= d.at).at(-1) : c.notices.at(-1);
        if (d) {
          f.decided++;
          f[d.state]++;
          f.dec.push(d.at - nt.at);
          if (d.state !== 'rejected' && d.at <= inForce.due) f.within++;
        }
        if (c.gone) f.gone.push(c.gone - nt.at);
        if (d || inForce.due <= now) f.settled++;
      }
    }
  }
  for (const r of reuploads) if (r.at >= from && r.at < to) for (const f of places(r.platform, r.route, r.at)) f.reuploads++;
  for (const c of copies) {
    const open = !c.decision && c.notices.at(-1).due <= now;
    if (open) {
      group(c.platform, c.route).total.overdue++;
      all.total.overdue++;
    }
  }
  const outcomes = ['visited_deleted', 'visited_sealed', 'visited_refused', 'unreachable'];
  const off = { total: Object.fromEntries(outcomes.map((o) => [o, 0])), weeks: weeks.map((w) => ({ ...w, ...Object.fromEntries(outcomes.map((o) => [o, 0])) })) };
  for (const v of offline) if (v.at >= from && v.at < to) {
    off.total[v.outcome]++;
    off.weeks[wk(v.at)][v.outcome]++;
  }
  const out = (g, clock) => ({
    platform: g.platform, route: g.route, clock_hours: clock,
    total: finish(g.total), weeks: g.weeks.map((f, i) => ({ ...finish(f), ...weeks[i] })),
  });
  return {
    from: dateOf(fromDay), to: dateOf(toDay), now, utc_offset: '+08:00', percentile: 'nearest-rank', weeks,
    groups: [...groups.values()].sort((a, b) => (a.platform + '/' + a.route < b.platform + '/' + b.route ? -1 : 1))
      .map((g) => out(g, CLOCK[g.platform] ?? null)),
    all: out(all, null),
    offline: off,
  };
}

// The CSV rows of the expected figures, as the service must write them.
const FIGURES = ['notices', 'copies', 'decided', 'removed', 'restricted', 'rejected', 'decision_median_s', 'decision_p90_s', 'verified_gone', 'gone_median_s', 'gone_p90_s', 'within_clock', 'settled', 'within_clock_share', 'reuploads', 'overdue'];
const OUTCOMES = ['visited_deleted', 'visited_sealed', 'visited_refused', 'unreachable'];
// Shares with 4 decimals (none of this history's shares is a tie at the fifth), the rest as is.
const cell = (v, k) => (v === null || v === undefined ? '' : k === 'within_clock_share' ? v.toFixed(4) : String(v));
function expectedCsv(e) {
  const rows = [['week', 'week_start', 'platform', 'route', 'clock_hours', ...FIGURES, ...OUTCOMES]];
  for (const g of [...e.groups, e.all]) {
    for (const w of g.weeks) rows.push([w.week, w.start, g.platform, g.route, cell(g.clock_hours), ...FIGURES.map((k) => cell(w[k], k)), '', '', '', '']);
    rows.push(['total', e.from, g.platform, g.route, cell(g.clock_hours), ...FIGURES.map((k) => cell(g.total[k], k)), '', '', '', '']);
  }
  for (const w of e.offline.weeks) rows.push([w.week, w.start, 'offline', 'offline_visit', '', ...FIGURES.map(() => ''), ...OUTCOMES.map((o) => String(w[o]))]);
  rows.push(['total', e.from, 'offline', 'offline_visit', '', ...FIGURES.map(() => ''), ...OUTCOMES.map((o) => String(e.offline.total[o]))]);
  return rows;
}
// RFC 4180: fields in quotes may hold commas, quotes (doubled) and line breaks; lines end CRLF.
function parseCsv(text) {
  assert.ok(text.endsWith('\r\n'), 'the CSV ends with CRLF');
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  return rows;
}

// ---- the server and the seeding ----

let NOW, FROM_DAY, TO_DAY;

before(async () => {
  ({ dir, pw } = initStaff('takedown-pstats-', [['cw1', 'caseworker'], ['cw2', 'caseworker'], ['aud1', 'auditor']]));
  srv = await startServer({ dataDir: dir, args: ['--debug-routes', '--trust-proxy', '--tick-seconds', '86400'] });
  clockNow = (await call('POST', '/debug/clock?freeze=1&seconds=0', { json: {} })).body.now;

  await setClock(BASE - 4 * DAY);
  const d = []; // douyin copies, cn_complaint, 72 h
  for (let i = 0; i < 6; i++) d.push(await online('douyin'));
  const t = []; // tiktok copies, us_take_it_down, 48 h
  for (let i = 0; i < 4; i++) t.push(await online('tiktok'));
  const o = [await offlineCopy(), await offlineCopy(), await offlineCopy()];
  const W = 7 * DAY;
  await play([
    // Before the period: a notice in the week before, decided inside the period; not counted.
    [-3 * DAY, 'notice', d[0]], [24 * HOUR, 'decide', d[0], 'removed'],
    // Week A (2030-W02).
    [10 * HOUR, 'notice', d[1]], [30 * HOUR, 'decide', d[1], 'removed'], // 20 h: within 72 h
    [40 * HOUR, 'gone', d[1]], // 30 h after the notice
    [12 * HOUR, 'notice', d[2]], [62 * HOUR, 'decide', d[2], 'rejected'], // 50 h
    [14 * HOUR, 'notice', d[3]], [20 * HOUR, 'move', d[3], 'acknowledged'],
    [94 * HOUR, 'decide', d[3], 'removed'], // 80 h: late
    [16 * HOUR, 'notice', t[0]], [26 * HOUR, 'decide', t[0], 'restricted'], // 10 h: within 48 h
    [18 * HOUR, 'notice', t[1]], [23 * HOUR, 'move', t[1], 'needs_info', { reason: '请补充材料' }],
    [48 * HOUR, 'notice', t[1]], // the clock starts again: due at 96 h
    [78 * HOUR, 'decide', t[1], 'removed'], // 60 h after the first notice, inside the second clock
    [28 * HOUR, 'plan', o[0]], [30 * HOUR + 1, 'visited', o[0], 'visited_deleted'],
    // Week B (2030-W03).
    [W + 10 * HOUR, 'notice', d[4]], [W + 50 * HOUR, 'decide', d[4], 'removed'], // 40 h
    [W + 11 * HOUR, 'notice', d[5]], // never answered: overdue at the end
    [W + 12 * HOUR, 'notice', t[2]], [W + 13 * HOUR, 'decide', t[2], 'removed'], // 1 h
    [W + 15 * HOUR, 'gone', t[2]], // 3 h
    [W + 20 * HOUR, 'reupload', t[2]],
    [W + 30 * HOUR, 'plan', o[1]], [W + 40 * HOUR, 'visited', o[1], 'visited_refused'],
    [W + 31 * HOUR, 'plan', o[2]], [W + 41 * HOUR, 'visited', o[2], 'unreachable'],
    [W + 100 * HOUR, 'notice', t[3]], // still inside its clock at the end: not settled
  ]);

  NOW = BASE + W + 105 * HOUR;
  await setClock(NOW);
  FROM_DAY = dayOf(BASE);
  TO_DAY = FROM_DAY + 13;
});

after(async () => {
  await srv?.stop();
});

const PERIOD = () => `from=${dateOf(FROM_DAY)}&to=${dateOf(TO_DAY)}`;

test('the seeded weeks are the ISO weeks the test means', () => {
  assert.equal(isoWeek(FROM_DAY), '2030-W02');
  assert.equal(isoWeek(TO_DAY), '2030-W03');
  assert.equal(dateOf(FROM_DAY), '2030-01-07');
  assert.equal(dateOf(TO_DAY), '2030-01-20');
});

test('JSON: every figure per platform, route and week equals what the test computes from its times', async () => {
  const r = await as('aud1', 'GET', `/api/v1/stats/platforms?${PERIOD()}`);
  assert.equal(r.status, 200, r.text);
  const want = expected(FROM_DAY, TO_DAY, NOW);
  assert.deepEqual(r.body, want);
  // A few figures spelled out, so that a shared mistake in both computations shows.
  const douyin = r.body.groups.find((g) => g.platform === 'douyin').total;
  assert.deepEqual([douyin.copies, douyin.notices, douyin.decided, douyin.removed, douyin.rejected], [5, 5, 4, 3, 1]);
  assert.deepEqual([douyin.decision_median_s, douyin.decision_p90_s], [40 * HOUR, 80 * HOUR], 'of 20, 40, 50, 80 h');
  assert.deepEqual([douyin.within_clock, douyin.settled, douyin.overdue], [2, 5, 1]);
  const tiktok = r.body.groups.find((g) => g.platform === 'tiktok').total;
  assert.deepEqual([tiktok.copies, tiktok.notices, tiktok.within_clock, tiktok.settled, tiktok.reuploads], [4, 5, 3, 3, 1]);
  assert.equal(tiktok.within_clock_share, 1);
  assert.deepEqual([tiktok.decision_median_s, tiktok.decision_p90_s], [10 * HOUR, 60 * HOUR], 'of 1, 10, 60 h');
  assert.deepEqual([r.body.all.total.verified_gone, r.body.all.total.gone_median_s, r.body.all.total.gone_p90_s], [2, 3 * HOUR, 30 * HOUR]);
  assert.deepEqual(r.body.offline.total, { visited_deleted: 1, visited_sealed: 0, visited_refused: 1, unreachable: 1 });
  assert.deepEqual(r.body.groups.map((g) => [g.platform, g.route, g.clock_hours]), [['douyin', 'cn_complaint', 72], ['tiktok', 'us_take_it_down', 48]]);
  // Workflow metadata only: nothing of a case.
  assert.ok(!/douyin\.com|tiktok\.com|李四|南京路/.test(r.text), 'no content');
});

test('the default period is the last 12 ISO weeks up to today at the service clock', async () => {
  const r = await as('cw1', 'GET', '/api/v1/stats/platforms');
  assert.equal(r.status, 200, r.text);
  const today = dayOf(NOW);
  assert.equal(r.body.to, dateOf(today));
  assert.equal(r.body.from, dateOf(mondayOf(today) - 77));
  assert.equal(r.body.weeks.length, 12);
  assert.deepEqual(r.body, expected(mondayOf(today) - 77, today, NOW), 'the early copy now counts too');
});

test('CSV: the same figures, one row per platform, route and week, totals, RFC 4180', async () => {
  const r = await as('aud1', 'GET', `/api/v1/stats/platforms.csv?${PERIOD()}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="platform-stats-2030-01-07-2030-01-20\.csv"$/);
  const rows = parseCsv(r.text);
  const want = expectedCsv(expected(FROM_DAY, TO_DAY, NOW));
  assert.deepEqual(rows, want);
  // The shares in the CSV are the JSON's to 4 decimals.
  const j = (await as('aud1', 'GET', `/api/v1/stats/platforms?${PERIOD()}`)).body;
  const douyinTotal = rows.find((x) => x[0] === 'total' && x[2] === 'douyin');
  assert.equal(Number(douyinTotal[5 + FIGURES.indexOf('within_clock_share')]).toFixed(4), j.groups[0].total.within_clock_share.toFixed(4));
  assert.equal(douyinTotal[5 + FIGURES.indexOf('within_clock_share')], '0.4000');
});

test('takedownctl stats --platforms prints the same figures (CSV byte for byte, and as text)', async () => {
  const api = await as('aud1', 'GET', `/api/v1/stats/platforms.csv?${PERIOD()}`);
  const args = ['stats', '--data-dir', dir, '--platforms', '--from', dateOf(FROM_DAY), '--to', dateOf(TO_DAY), '--now', String(NOW)];
  const csv = ctl([...args, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  assert.equal(csv.stdout, api.text);
  const text = ctl(args);
  assert.equal(text.status, 0, text.stderr);
  const e = expected(FROM_DAY, TO_DAY, NOW).groups.find((g) => g.platform === 'douyin').total;
  const line = text.stdout.split('\n').find((l) => /^total\s+douyin\s+cn_complaint\s/.test(l));
  assert.ok(line, text.stdout);
  for (const k of FIGURES) assert.ok(line.includes(` ${k}=${cell(e[k], k) || '-'}`), `${k} in ${line}`);
  assert.match(text.stdout, /^total\s+visited_deleted=1 visited_sealed=0 visited_refused=1 unreachable=1$/m);
  // The CLI's limits say which flag is wrong.
  const bad = ctl(['stats', '--data-dir', dir, '--platforms', '--from', '2030-02-30']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--from is not a date/);
  const reversed = ctl(['stats', '--data-dir', dir, '--platforms', '--from', '2030-01-10', '--to', '2030-01-09']);
  assert.equal(reversed.status, 2);
  assert.match(reversed.stderr, /--from is after --to/);
});

test('periods: bad dates, from after to, and more than 366 days are a 400 naming the field; both sides of each limit', async () => {
  const get = (q, p = '/api/v1/stats/platforms') => as('cw1', 'GET', `${p}?${q}`);
  const refused = async (q, field, p) => {
    const r = await get(q, p);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.body.error.code, 'bad_request');
    assert.equal(r.body.error.field, field, q);
    assert.ok(r.body.error.message.length > 0);
  };
  for (const q of ['from=2030-02-30', 'from=2030-1-07', 'from=07-01-2030', 'from=1999-12-31', 'from=2030-01-07x', 'from=%20'])
    await refused(q + '&to=2030-03-01', 'from');
  await refused('from=2030-01-01&to=2030-13-01', 'to');
  await refused('from=2030-01-01&to=2201-01-01', 'to');
  await refused('from=2030-01-10&to=2030-01-09', 'from');
  assert.equal((await get('from=2030-01-10&to=2030-01-10')).status, 200, 'one day is a period');
  // 2030 is not a leap year: 2030-01-01 to 2031-01-01 is 366 days, one more is too long.
  const longest = await get('from=2030-01-01&to=2031-01-01');
  assert.equal(longest.status, 200, longest.text);
  assert.equal(longest.body.weeks.length, 53);
  await refused('from=2030-01-01&to=2031-01-02', 'from');
  await refused('from=2030-01-01&to=2031-01-02', 'from', '/api/v1/stats/platforms.csv');
  assert.equal((await get('from=2000-01-01&to=2000-01-01')).status, 200, 'the earliest day');
});

test('who may see it: staff roles that see /api/v1/stats; no one without a session', async () => {
  for (const login of ['admin', 'cw1', 'aud1']) {
    assert.equal((await as(login, 'GET', `/api/v1/stats/platforms?${PERIOD()}`)).status, 200, login);
    assert.equal((await as(login, 'GET', `/api/v1/stats/platforms.csv?${PERIOD()}`)).status, 200, login);
    assert.equal((await as(login, 'GET', `/staff/stats/platforms?${PERIOD()}`)).status, 200, login);
  }
  assert.equal((await call('GET', '/api/v1/stats/platforms')).status, 401);
  assert.equal((await call('GET', '/api/v1/stats/platforms.csv')).status, 401);
  const page = await call('GET', '/staff/stats/platforms');
  assert.equal(page.status, 303);
});

test('the page: SVG charts drawn on the server with the route clock marked, the tables, in Chinese and English; linked from /staff/stats', async () => {
  for (const lang of ['zh-CN', 'en']) {
    const T = I18N[lang];
    const r = await as('aud1', 'GET', `/staff/stats/platforms?${PERIOD()}`, undefined, { lang });
    assert.equal(r.status, 200, r.text);
    const html = r.text;
    assert.ok(html.includes(T['cw.pstats.title']), `${lang} title`);
    assert.ok(!/<script/i.test(html.slice(html.indexOf('<main'))), 'no script in the page itself (the layout has only the quick exit)');
    const svgs = html.match(/<svg[^>]*class="chart[^"]*"[^>]*role="img"[^>]*>/g) || [];
    assert.equal(svgs.length, 2, 'two charts');
    // The decision chart: a bar per platform and route with copies, a clock mark for each.
    const decision = html.slice(html.indexOf('chart-decision'), html.indexOf('</svg>', html.indexOf('chart-decision')));
    assert.equal((decision.match(/<rect class="bar"/g) || []).length, 2);
    assert.equal((decision.match(/<line class="clock"/g) || []).length, 2);
    for (const p of ['douyin', 'tiktok']) assert.ok(decision.includes(T[`platform.${p}`]), `${lang}: ${p} labelled`);
    // The clock mark sits right of the median bar's end where the median is inside the clock:
    // douyin's median 40 h against 72 h, on an axis of 96 h (the longest: 80 h).
    const bar = /<rect class="bar" x="110" y="6" width="([\d.]+)"/.exec(decision);
    assert.ok(bar, decision.slice(0, 400));
    assert.equal(Number(bar[1]), 112.5, '40/96 of 270');
    assert.match(decision, /<line class="clock" x1="312.5" y1="2" x2="312.5"/, '72/96 of 270, from 110');
    // The weekly chart: a bar per week with a settled copy (both weeks here).
    const share = html.slice(html.indexOf('chart-share'), html.indexOf('</svg>', html.indexOf('chart-share')));
    assert.equal((share.match(/<rect class="bar"/g) || []).length, 2);
    assert.ok(share.includes('>60%</text>') && share.includes('>67%</text>'), 'W02: 3 of 5, W03: 2 of 3');
    // The same figures as text, for screen readers and phones.
    assert.ok(html.includes(T['cw.pstats.table_groups']) && html.includes(T['cw.pstats.table_weeks']) && html.includes(T['cw.pstats.table_offline']));
    assert.ok(html.includes(`<td class="num">${T['cw.pstats.hours'].replace('{}', '40.0')}</td>`), `${lang}: douyin's median in the table`);
    assert.ok(html.includes('2/5 · 40%'), 'douyin within the clock of the settled');
    assert.match(html, /role="region" aria-labelledby="pstats-groups-title" tabindex="0"/, 'the wide table scrolls by keyboard');
    assert.ok(html.includes(`href="/api/v1/stats/platforms.csv?${PERIOD().replace('&', '&amp;')}"`), 'the CSV of the same period');
  }
  const stats = await as('aud1', 'GET', '/staff/stats');
  assert.ok(stats.text.includes('href="/staff/stats/platforms"'), 'linked from the statistics page');
  // A bad period: the form again, as typed, the field marked, 400.
  const bad = await as('aud1', 'GET', '/staff/stats/platforms?from=2030-02-30&to=2030-03-01', undefined, { lang: 'en' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /name="from" value="2030-02-30" required aria-invalid="true"/);
  assert.ok(bad.text.includes(I18N.en['error.stats_date']));
  assert.ok(!bad.text.includes('<svg'), 'no charts for a bad period');
});
