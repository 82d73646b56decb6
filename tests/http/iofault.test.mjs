// An I/O error under the store, injected by the test VFS (store_fault.c, POST /debug/io-fault with
// --debug-routes): writes that fail (EIO), writes that fail as on a full disk (ENOSPC), fsyncs
// that fail, each from the first write and from the middle of a commit. Every write a person
// makes (a report through the API and through the form with a screenshot, a transition, a
// message) answers 503 storage_unavailable with a clear message in zh-CN and en, nothing of it is
// kept (no case, no file, no state change), the service takes writes again as soon as the fault
// is cleared (same process, no restart), and takedownctl check finds the data dir whole, before
// and after a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, ctl, tempDir, I18N } from './lib.mjs';
import {
  QUIET_LIMITS, call, report, png, postForm, staffSignIn, asStaff, openWithReceipt, filesIn,
  tmpEmptied, assertWhole, caseCount, CHAIN, fieldsFor, addr,
} from './store_lib.mjs';

const SERVER_ARGS = ['--debug-routes', ...QUIET_LIMITS];
const pw = { admin: 'Admin-' + randomBytes(8).toString('hex'), cw: 'Cw-' + randomBytes(8).toString('hex') };

let dir;
let srv;
let cw;
let admin;
const acked = []; // {receipt, case} of every 201
let formsFiled = 0; // reports filed through the form (303)
let target; // {id, state}: the target the transitions move
let victim; // a receipt session on the first case

async function fault(mode, after = 0) {
  const r = await call(srv.base, 'POST', `/debug/io-fault?mode=${mode}&after=${after}`, { json: {} });
  assert.equal(r.status, 200, r.text);
  return r.body.failed_before;
}

async function submit(opts = {}) {
  const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report(), lang: opts.lang });
  if (r.status === 201) acked.push({ receipt: r.body.receipt, case: r.body.case });
  return r;
}

function assertStorageRefusal(r, lang = 'zh-CN') {
  assert.equal(r.status, 503, r.text);
  assert.equal(r.headers.get('retry-after'), '60');
  assert.equal(r.body.error.code, 'storage_unavailable');
  assert.equal(r.body.error.message, I18N[lang]['error.storage_unavailable']);
}

async function targetState() {
  const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${acked[0].case}`);
  assert.equal(v.status, 200, v.text);
  return v.body.targets.find((t) => t.id === target.id).state;
}

before(async () => {
  dir = tempDir('takedown-iofault-');
  assert.equal(ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
  const add = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw'], [pw.admin, pw.cw, pw.cw]);
  assert.equal(add.status, 0, add.stderr);
  srv = await startServer({ dataDir: dir, args: SERVER_ARGS });
  cw = await staffSignIn(srv.base, 'cw', pw.cw);
  admin = await staffSignIn(srv.base, 'admin', pw.admin);
  assert.equal((await submit()).status, 201);
  const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${acked[0].case}`);
  target = { id: v.body.targets[0].id, state: 'reported' };
  const xff = addr();
  const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: acked[0].receipt }, xff });
  assert.equal(s.status, 200, s.text);
  victim = { cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
});

after(async () => {
  if (srv) await srv.stop();
});

for (const mode of ['write', 'full', 'sync']) {
  test(`${mode}: every write answers 503 storage_unavailable, keeps nothing, and works again once the fault is cleared`, async () => {
    const cases = caseCount(dir);
    const files = filesIn(dir);
    const state = await targetState();
    const pid = srv.proc.pid;
    assert.equal(await fault(mode), 0);

    assertStorageRefusal(await submit());
    assertStorageRefusal(await submit({ lang: 'en' }), 'en');
    const to = CHAIN[CHAIN.indexOf(state) + 1];
    assertStorageRefusal(await asStaff(srv.base, cw, 'POST', `/api/v1/staff/targets/${target.id}/transition`, { to, ...fieldsFor(to) }));
    assertStorageRefusal(await call(srv.base, 'POST', '/api/v1/my/messages', { ...victim, json: { body: '还在吗' } }));
    // The staff's own writes too: a TOTP enrolment's pending secret, a setting.
    assertStorageRefusal(await asStaff(srv.base, cw, 'POST', '/api/v1/staff/totp'));
    assertStorageRefusal(await asStaff(srv.base, admin, 'PUT', '/api/v1/admin/settings', { require_totp: true }));
    // The form with a screenshot: 503 with the form again, what was typed kept, the screenshot gone.
    const typed = `描述-${randomBytes(4).toString('hex')}`;
    const page = await postForm(srv.base, typed, [png(200 * 1024)]);
    assert.equal(page.status, 503);
    assert.ok(page.text.includes(I18N['zh-CN']['error.storage_unavailable']), 'the page says why');
    assert.ok(page.text.includes(I18N['zh-CN']['report.storage_kept']), 'and that nothing was sent');
    assert.ok(page.text.includes(typed), 'what was typed is in the form again');
    assert.deepEqual(await tmpEmptied(dir), [], 'no upload left in files/tmp');
    assert.deepEqual(filesIn(dir), files, 'no screenshot filed');

    assert.ok((await fault('off')) > 0, 'the fault was met');
    assert.equal(caseCount(dir), cases, 'no case was kept');
    assert.equal(await targetState(), state, 'the transition was not kept');

    // Recovered in the same process: the next writes go through.
    assert.equal((await submit()).status, 201);
    const moved = await asStaff(srv.base, cw, 'POST', `/api/v1/staff/targets/${target.id}/transition`, { to, ...fieldsFor(to) });
    assert.equal(moved.status, 200, moved.text);
    assert.equal((await call(srv.base, 'POST', '/api/v1/my/messages', { ...victim, json: { body: '谢谢' } })).status, 201);
    const filed = await postForm(srv.base, typed, [png(200 * 1024)]);
    assert.equal(filed.status, 303, filed.text);
    formsFiled++;
    assert.equal(filesIn(dir).length, files.length + 1, 'the screenshot is filed');
    assert.equal(caseCount(dir), cases + 2);
    assert.equal(srv.proc.pid, pid);
    assert.equal(srv.proc.exitCode, null, 'no restart');
    assertWhole(dir, `after the ${mode} fault`);
  });
}

// The fault starts after N writes (or syncs) of the commit went through: from its first page to
// past its end. Each report is either acknowledged whole or refused and absent.
test('faults in the middle of a commit never leave half a report', async () => {
  const cases = caseCount(dir);
  let refused = 0; // of 18: 13 write faults (after 0..12 writes), 5 sync faults (after 0..12 syncs)
  for (const mode of ['write', 'sync']) {
    for (let n = 0; n <= 12; n += mode === 'write' ? 1 : 3) {
      await fault(mode, n);
      const r = await submit();
      await fault('off');
      if (r.status === 503) {
        assertStorageRefusal(r);
        refused++;
      } else {
        assert.equal(r.status, 201, r.text);
      }
    }
  }
  assert.ok(refused > 0 && refused < 18, 'faults on both sides of a commit\'s last write');
  assert.equal(caseCount(dir), cases + 13 + 5 - refused, 'every acknowledged report and nothing else');
  assertWhole(dir, 'after faults mid-commit');
});

test('after a restart the data dir is whole and every acknowledged write is there', async () => {
  await srv.stop();
  assertWhole(dir, 'stopped');
  srv = await startServer({ dataDir: dir, args: SERVER_ARGS });
  cw = await staffSignIn(srv.base, 'cw', pw.cw);
  assert.equal(caseCount(dir), acked.length + formsFiled);
  for (const a of acked) {
    const o = await openWithReceipt(srv.base, a.receipt);
    assert.equal(o.status, 200, o.text);
    assert.equal(o.view.case, a.case);
  }
  assert.equal(await targetState(), CHAIN[3], 'three faults, the three transitions made after them kept');
});
