// Issue 14, the admin's page of platform desks over real HTTP, without JavaScript: register a
// platform's desk with its public key (the token shown once, never cached, and it opens the
// desk's channel), refusals that name the field and keep what was typed, the list, revoking with
// a confirmation; only admins reach it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, initStaff, ctl, tempDir, call as callAs, I18N, htmlEscape } from './lib.mjs';

let srv, dir, pw, admin, keys;
let n = 0;
const xff = () => `10.17.${++n >> 8}.${n & 255}`;
const call = (method, p, opts = {}) => callAs(srv.base, method, p, { xff: xff(), ...opts });
const asAdmin = (method, p, form, lang = 'en') => call(method, p, { cookie: admin.cookie, lang, form: form && { csrf: admin.csrf, ...form } });

function keygen(name) {
  const k = ctl(['platform', 'keygen', '--secret-key-file', path.join(keys, name)]);
  assert.equal(k.status, 0, k.stderr);
  return /^public-key: ([0-9a-f]{64})$/m.exec(k.stdout)[1];
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-desk-admin-', [['cw1', 'caseworker']]));
  keys = tempDir('takedown-desk-admin-keys-');
  srv = await startServer({ dataDir: dir, args: ['--trust-proxy'] });
  const s = await call('POST', '/api/v1/staff/session', { json: { login: 'admin', password: pw.admin } });
  assert.equal(s.status, 200, s.text);
  admin = { cookie: s.cookies.td_session, csrf: s.body.csrf };
});

after(async () => {
  await srv?.stop();
});

test('register a desk on the page: the token once, never cached, and it opens that desk\'s channel', async () => {
  for (const lang of ['zh-CN', 'en']) {
    const page = await asAdmin('GET', '/staff/desks', undefined, lang);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(htmlEscape(I18N[lang]['desk.title'])));
    assert.ok(page.text.includes(htmlEscape(I18N[lang]['desk.none'])));
    assert.match(page.text, /<label for="desk-key">/);
  }
  const pk = keygen('douyin');
  const added = await asAdmin('POST', '/staff/desks', { platform: 'douyin', public_key: pk, days: '30' });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.headers.get('cache-control'), 'no-store');
  assert.match(added.text, /data-private/);
  const token = /id="desk-token">(tdp_[0-9a-f]{64})</.exec(added.text)[1];
  assert.ok(added.text.includes(htmlEscape(I18N.en['platform.douyin'])));
  const used = await call('GET', '/api/platform/v1/notices', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(used.status, 200, 'the token opens the desk\'s channel');
  const list = await asAdmin('GET', '/staff/desks');
  assert.ok(list.text.includes(pk), 'the list shows the key');
  assert.ok(!list.text.includes(token), 'never the token again');
  assert.ok(list.text.includes('action="/staff/desks/douyin/revoke"'));
  const audit = await call('GET', '/api/v1/audit?limit=50', { cookie: admin.cookie });
  assert.ok(audit.body.entries.some((e) => e.action === 'platform.add' && e.actor === 'staff:admin' && e.subject === 'douyin'));
});

test('refusals name the field and keep what was typed; both sides of each limit', async () => {
  const pk = keygen('weibo');
  const cases = [
    [{ platform: 'nowhere', public_key: pk, days: '30' }, 'platform', 'desk.error.platform', 422],
    [{ platform: 'other', public_key: pk, days: '30' }, 'platform', 'desk.error.platform', 422],
    [{ platform: 'weibo', public_key: pk.slice(1), days: '30' }, 'public_key', 'desk.error.key', 422],
    [{ platform: 'weibo', public_key: pk + '0', days: '30' }, 'public_key', 'desk.error.key', 422],
    [{ platform: 'weibo', public_key: 'g' + pk.slice(1), days: '30' }, 'public_key', 'desk.error.key', 422],
    [{ platform: 'weibo', public_key: pk, days: '0' }, 'days', 'desk.error.days', 422],
    [{ platform: 'weibo', public_key: pk, days: '3651' }, 'days', 'desk.error.days', 422],
    [{ platform: 'weibo', public_key: pk, days: 'x' }, 'days', 'desk.error.days', 422],
    [{ platform: 'douyin', public_key: pk, days: '30' }, 'platform', 'desk.error.exists', 409],
  ];
  for (const [form, field, key, status] of cases) {
    const r = await asAdmin('POST', '/staff/desks', form);
    assert.equal(r.status, status, `${JSON.stringify(form).slice(0, 50)}: ${r.status}`);
    assert.ok(r.text.includes(htmlEscape(I18N.en[key])), key);
    assert.match(r.text, new RegExp(`name="${field}"[^>]*aria-invalid="true"|id="desk-${field === 'public_key' ? 'key' : field}"[^>]*aria-invalid="true"`), `${field} marked`);
    if (field !== 'public_key') assert.ok(r.text.includes(`value="${htmlEscape(form.public_key)}"`), 'the key typed is kept');
  }
  const longest = await asAdmin('POST', '/staff/desks', { platform: 'weibo', public_key: pk.toUpperCase(), days: '3650' });
  assert.equal(longest.status, 201, 'upper-case hex and 3650 days are taken');
  const shortest = await asAdmin('POST', '/staff/desks', { platform: 'kuaishou', public_key: keygen('kuaishou'), days: '1' });
  assert.equal(shortest.status, 201, 'one day is taken');
});

test('revoke asks for a confirmation, then the token stops at once', async () => {
  const pk = keygen('bilibili');
  const added = await asAdmin('POST', '/staff/desks', { platform: 'bilibili', public_key: pk, days: '30' });
  const token = /id="desk-token">(tdp_[0-9a-f]{64})</.exec(added.text)[1];
  const unconfirmed = await asAdmin('POST', '/staff/desks/bilibili/revoke', {});
  assert.equal(unconfirmed.status, 422);
  assert.ok(unconfirmed.text.includes(htmlEscape(I18N.en['desk.error.confirm'])));
  const desk = () => call('GET', '/api/platform/v1/notices', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await desk()).status, 200, 'still live');
  const done = await asAdmin('POST', '/staff/desks/bilibili/revoke', { confirm: 'yes' });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), '/staff/desks?revoked=1');
  assert.equal((await desk()).status, 401, 'stopped at once');
  const again = await asAdmin('POST', '/staff/desks/bilibili/revoke', { confirm: 'yes' });
  assert.equal(again.status, 404);
  assert.ok(again.text.includes(htmlEscape(I18N.en['desk.error.none'])));
  const list = await asAdmin('GET', '/staff/desks');
  assert.ok(list.text.includes(htmlEscape(I18N.en['desk.revoked'])));
});

test('only admins reach it; a form without the CSRF token is refused', async () => {
  const s = await call('POST', '/api/v1/staff/session', { json: { login: 'cw1', password: pw.cw1 } });
  const cw = { cookie: s.cookies.td_session, csrf: s.body.csrf };
  assert.equal((await call('GET', '/staff/desks', { cookie: cw.cookie })).status, 403);
  assert.equal((await call('POST', '/staff/desks', { cookie: cw.cookie, form: { csrf: cw.csrf, platform: 'zhihu', public_key: keygen('zhihu'), days: '1' } })).status, 403);
  const anon = await call('GET', '/staff/desks');
  assert.equal(anon.status, 303, 'signed out: to the sign-in page');
  assert.match(anon.headers.get('location'), /^\/staff\/login/);
  const noCsrf = await call('POST', '/staff/desks', { cookie: admin.cookie, form: { platform: 'zhihu', public_key: keygen('zhihu2'), days: '1' } });
  assert.equal(noCsrf.status, 403);
  const home = await call('GET', '/staff', { cookie: cw.cookie });
  assert.ok(!home.text.includes('href="/staff/desks"'), 'not in a caseworker\'s menu');
  const adminHome = await call('GET', '/staff', { cookie: admin.cookie });
  assert.ok(adminHome.text.includes('href="/staff/desks"'));
});
