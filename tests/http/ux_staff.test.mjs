// Issue 13's HTTP behaviour for the staff part (items 8, 10, 12), against the real binary:
// an empty "move to" is refused with words and moves nothing; the queue API sorts by deadline both
// ways and its keyset cursor pages each order exactly; a bad sort is refused; the receipt card
// names the site from --public-url, else the Host the person used, never X-Forwarded-Host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir, rawRequest, I18N, call as callAs, htmlEscape } from './lib.mjs';

let srv, pub;
const pw = {};
const staff = {};
let n = 0;
const addr = () => `10.66.${++n >> 8}.${n & 255}`;
const HOUR = 3600;

// One call (lib.mjs); cookie is the whole Cookie header.
const call = (base, method, p, { cookie, xff = '10.66.250.1', ...rest } = {}) =>
  callAs(base, method, p, { ...rest, jar: cookie, xff });

const asCw = (method, p, json) => call(srv.base, method, p, { json: json ?? (method === 'GET' ? undefined : {}), cookie: staff.cookie, csrf: staff.csrf });

async function newCase(base, { extortion = false, platform = 'douyin', url }) {
  const r = await call(base, 'POST', '/api/v1/cases', {
    xff: addr(),
    json: {
      language: 'zh-CN', requester: { role: 'self', name: '', contact: { channel: 'none', value: '' } },
      incident: { type: 'intimate' }, risk: { extortion }, description: '', consent: { share_identity_with_platform: true, preservation: 'none' },
      good_faith: true, signature: '签名', targets: [{ kind: 'online', url, platform }],
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.body.case;
}

async function targetOf(caseId) {
  const v = await asCw('GET', `/api/v1/staff/cases/${caseId}`);
  assert.equal(v.status, 200, v.text);
  return v.body.targets[0];
}

async function move(tid, to, fields = {}) {
  const r = await asCw('POST', `/api/v1/staff/targets/${tid}/transition`, { to, ...fields });
  assert.equal(r.status, 200, `${to}: ${r.text}`);
}
const NOTICE = { reason: '未经同意发布', evidence: '截图已保存', representative: '某法律援助中心', channel: 'web form' };

before(async () => {
  const dir = tempDir('takedown-ux-staff-');
  pw.admin = 'Admin-' + randomBytes(8).toString('hex');
  assert.equal(ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
  pw.cw1 = 'cw1-' + randomBytes(8).toString('hex');
  assert.equal(ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw1'], [pw.admin, pw.cw1, pw.cw1]).status, 0);
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy', '--debug-routes'] });
  const pubDir = tempDir('takedown-ux-staff-pub-');
  assert.equal(ctl(['init', '--data-dir', pubDir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
  pub = await startServer({ dataDir: pubDir, args: ['--trust-proxy', '--public-url', 'https://help.example.org/'] });
  const s = await call(srv.base, 'POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  assert.equal(s.status, 200, s.text);
  staff.cookie = `td_session=${s.cookies.td_session}`;
  staff.csrf = s.body.csrf;
  assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
});

after(async () => {
  for (const s of [srv, pub]) {
    await s?.stop();
    s?.cleanup();
  }
});

test('an empty "move to" from the case page is refused with words; nothing moves', async () => {
  const c = await newCase(srv.base, { url: 'https://www.douyin.com/video/7304444444444444441' });
  const target = await targetOf(c);
  for (const to of [undefined, '']) {
    const form = { csrf: staff.csrf, case: c };
    if (to !== undefined) form.to = to;
    const r = await call(srv.base, 'POST', `/staff/targets/${target.id}/transition`, { form, cookie: staff.cookie });
    assert.equal(r.status, 422, r.text.slice(0, 300));
    assert.ok(r.text.includes(htmlEscape(I18N['zh-CN']['cw.move.choose_first'])), 'the page says to choose first');
    assert.equal((await targetOf(c)).state, 'reported', 'nothing moved');
  }
  // The API's contract is unchanged: no "to" is a 422 naming the field.
  const api = await asCw('POST', `/api/v1/staff/targets/${target.id}/transition`, {});
  assert.equal(api.status, 422);
  assert.equal(api.body.error.field, 'to');
  // A chosen move still goes through the same form.
  const ok = await call(srv.base, 'POST', `/staff/targets/${target.id}/transition`, { form: { csrf: staff.csrf, case: c, to: 'in_review' }, cookie: staff.cookie });
  assert.equal(ok.status, 303);
  assert.equal((await targetOf(c)).state, 'in_review');
  // The case view says where a notice can be prepared: in_review cannot send one, ready can.
  assert.equal((await targetOf(c)).can_notice, false);
  await move(target.id, 'ready');
  assert.equal((await targetOf(c)).can_notice, true);
  await move(target.id, 'notice_sent', NOTICE);
  await move(target.id, 'removed');
  const removed = await targetOf(c);
  assert.equal(removed.can_notice, false, 'no notice on a removed copy');
  assert.deepEqual(removed.next, ['counter_noticed', 'verified_gone']);
});

test('the queue sorts by deadline both ways (sort=due, sort=-due); each order pages exactly by its cursor', async () => {
  // Five cases, each with its own clock (a notice sent an hour apart), one of them at risk.
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const c = await newCase(srv.base, { extortion: i === 2, platform: 'weibo', url: `https://weibo.com/123456789${i}/Qsort${i}AbCd` });
    const t = await targetOf(c);
    for (const to of ['in_review', 'ready']) await move(t.id, to);
    await move(t.id, 'notice_sent', NOTICE);
    await call(srv.base, "POST", "/debug/clock?seconds=600", { json: {} });
    ids.push(c);
  }
  const all = async (sort, limit) => {
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 20; i++) {
      const q = `/api/v1/staff/cases?queue=awaiting&platform=weibo&limit=${limit}${sort ? `&sort=${sort}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await asCw('GET', q);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.cases.map((x) => x.case));
      cursor = r.body.next;
      if (!cursor) break;
    }
    return seen;
  };
  const urgent = ids[2];
  const rest = ids.filter((x) => x !== urgent);
  assert.deepEqual(await all(null, 50), [urgent, ...rest], 'by default: at risk first, then the soonest deadline');
  assert.deepEqual(await all('due', 50), [urgent, ...rest]);
  assert.deepEqual(await all('-due', 50), [urgent, ...rest.reverse()], 'latest deadline first, at risk still first');
  for (const limit of [1, 2]) {
    assert.deepEqual(await all('due', limit), await all('due', 50), `paged ${limit} at a time, soonest first`);
    assert.deepEqual(await all('-due', limit), await all('-due', 50), `paged ${limit} at a time, latest first`);
  }
  for (const bad of ['created', 'due;', '-', 'DUE']) {
    const r = await asCw('GET', `/api/v1/staff/cases?queue=all&sort=${encodeURIComponent(bad)}`);
    assert.ok(r.status === 400 || r.status === 422, `sort=${bad}: ${r.status}`);
    assert.equal(r.body.error.field, 'sort');
  }
  // The page takes the same parameter and marks the column.
  const page = await call(srv.base, 'GET', '/staff?queue=awaiting&sort=-due', { cookie: staff.cookie });
  assert.equal(page.status, 200);
  assert.match(page.text, /<th aria-sort="descending">/);
  assert.equal((await call(srv.base, 'GET', '/staff?queue=awaiting&sort=nope', { cookie: staff.cookie })).status, 400);
});

// Files a report through the form and returns the receipt page as fetched with these headers.
async function receiptPage(server, headers) {
  const xff = addr();
  const g = await call(server.base, 'GET', '/report', { xff });
  const csrf = /<input type="hidden" name="csrf" value="([0-9a-f]{64})">/.exec(g.text)[1];
  const fd = new FormData();
  for (const [k, v] of [['csrf', csrf], ['language', 'zh-CN'], ['requester.role', 'self'], ['incident.type', 'intimate'],
    ['targets[0].kind', 'online'], ['targets[0].url', `https://www.douyin.com/video/73055555555555${String(n).padStart(5, '0')}`],
    ['requester.contact.channel', 'none'], ['consent.preservation', 'none'], ['good_faith', 'on'], ['signature', '签名']])
    fd.append(k, v);
  const post = await call(server.base, 'POST', '/report', { xff, multipart: fd, cookie: `td_csrf=${g.cookies.td_csrf}` });
  assert.equal(post.status, 303, post.text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 600));
  const lines = [`GET /report/receipt HTTP/1.1`, `X-Forwarded-For: ${xff}`, `Cookie: td_receipt=${post.cookies.td_receipt}; td_session=${post.cookies.td_session}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const raw = await rawRequest(server.port, lines.join('\r\n') + '\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 201/, raw.slice(0, 200));
  const html = Buffer.from(raw, 'latin1').toString('utf8');
  assert.match(html, /<p class="receipt-code" lang="en">\d{4}( \d{4}){4}<\/p>/, 'the receipt is shown');
  return html;
}
const siteOf = (html) => /<strong class="site-address" lang="en">([^<]*)<\/strong>/.exec(html)?.[1] ?? null;

test('a queue row names its platforms and counts its copies by state, in the order of their first copy', async () => {
  const r = await call(srv.base, 'POST', '/api/v1/cases', {
    xff: addr(),
    json: {
      language: 'zh-CN', requester: { role: 'self', name: '', contact: { channel: 'none', value: '' } },
      incident: { type: 'intimate' }, description: '', consent: { share_identity_with_platform: true, preservation: 'none' },
      good_faith: true, signature: '签名',
      targets: [
        { kind: 'online', url: 'https://www.douyin.com/video/7306666666666600001', platform: 'douyin' },
        { kind: 'online', url: 'https://weibo.com/1234567890/Nabcdefgh', platform: 'weibo' },
        { kind: 'online', url: 'https://www.douyin.com/video/7306666666666600002', platform: 'douyin' },
      ],
    },
  });
  assert.equal(r.status, 201, r.text);
  await move((await targetOf(r.body.case)).id, 'in_review');
  for (const lang of ['en', 'zh-CN']) {
    const page = await call(srv.base, 'GET', '/staff?queue=all', { cookie: staff.cookie, lang });
    assert.equal(page.status, 200);
    const row = new RegExp(`<tr[^>]*>(?:(?!</tr>)[^])*${r.body.case}(?:(?!</tr>)[^])*</tr>`).exec(page.text);
    assert.ok(row, `${lang}: the case has a row`);
    const t = I18N[lang];
    const chips = [...row[0].matchAll(/<span class="chip">([^<]*)<\/span>/g)].map((m) => m[1]);
    assert.deepEqual(chips, [t['platform.douyin'], t['platform.weibo']].map(htmlEscape), `${lang}: each platform once, first copy first`);
    const states = [...row[0].matchAll(/<span class="muted">([^<]*×[^<]*)<\/span>/g)].map((m) => m[1]);
    assert.deepEqual(states, [`${t['cw.state.in_review']}×1`, `${t['cw.state.reported']}×2`].map(htmlEscape), `${lang}: copies by state`);
  }
});

test('the queue page\'s assignee filter is a choice of the accounts that may take a case, the chosen one kept', async () => {
  const page = await asCw('GET', '/staff?queue=all');
  assert.equal(page.status, 200);
  const select = /<select name="assignee">([^]*?)<\/select>/.exec(page.text);
  assert.ok(select, 'a select, not a typed login');
  const logins = [...select[1].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(logins.sort(), ['', 'admin', 'cw1']);
  const chosen = await asCw('GET', '/staff?queue=all&assignee=cw1');
  assert.match(chosen.text, /<option value="cw1" selected>/);
  assert.doesNotMatch(chosen.text, /<option value="admin" selected>/);
});

test('the receipt card names the site: --public-url, else the Host used; never X-Forwarded-Host', async () => {
  assert.equal(siteOf(await receiptPage(srv, { Host: `127.0.0.1:${srv.port}` })), `http://127.0.0.1:${srv.port}`);
  // Behind the trusted proxy: the scheme from X-Forwarded-Proto, the host from Host only.
  const proxied = await receiptPage(srv, { Host: 'help.example.net', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' });
  assert.equal(siteOf(proxied), 'https://help.example.net');
  assert.ok(!proxied.includes('evil.example'), 'X-Forwarded-Host is never shown');
  // A Host the strict parser lets through but that is no plain name: no address at all.
  const odd = await receiptPage(srv, { Host: "a'b.example" });
  assert.equal(siteOf(odd), null);
  assert.ok(!odd.includes("a'b") && !odd.includes('a&#39;b'), 'an odd Host is not printed');
  // A configured public URL wins over whatever Host came in.
  assert.equal(siteOf(await receiptPage(pub, { Host: 'elsewhere.example' })), 'https://help.example.org');
  // The print and copy buttons are hidden until their script shows them.
  const html = await receiptPage(pub, { Host: `127.0.0.1:${pub.port}` });
  assert.match(html, /<button type="button" class="button" id="print-receipt" hidden>/);
  assert.match(html, /<button type="button" class="button" id="copy-receipt" hidden /);
});
