// A full disk: the data directory on a small tmpfs this test mounts itself, filled by a filler
// file to the exact byte (tmpfs counts whole pages, and nothing else writes between a fill and
// the request it is for: background work is off).
//   - The free-space reserve (--min-free-mb) on both sides: one page over it every write is
//     accepted; at it and under it a new report (API and form), an upload, a transition, a
//     victim's message and new copies answer 503 storage_low with a clear message in zh-CN and
//     en, and nothing is half-written (no case, no file in files/ or files/tmp, takedownctl check
//     whole); reads, staff and receipt sign-ins and erasure keep working.
//   - With no reserve, a disk with no space at all: the disk's own refusal (ENOSPC on an upload,
//     SQLITE_FULL on a commit) answers 503 storage_unavailable, again with nothing half-written.
//   - Either way the service recovers by itself as soon as space returns: the filler goes, the next
//     writes succeed, same process, no restart.
// Mounting needs root. The test runs its suite in a private mount namespace (`unshare --mount`,
// plus `--user --map-root-user` when not root), so the tmpfs vanishes with it whatever happens;
// where no namespace can be made it is skipped and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync, ftruncateSync, fstatSync, mkdtempSync, openSync, rmdirSync, statfsSync, unlinkSync, writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, ctl, I18N } from './lib.mjs';
import {
  QUIET_LIMITS, call, report, png, postForm, staffSignIn, asStaff, openWithReceipt, filesIn,
  tmpEmptied, assertWhole, caseCount, CHAIN, fieldsFor, addr,
} from './store_lib.mjs';

const INNER = process.env.TD_FULLDISK_INNER === '1';

if (!INNER) {
  test('a full disk, on a tmpfs in a private mount namespace (the suite below runs there)', (t) => {
    const ns = [...(process.getuid() === 0 ? [] : ['--user', '--map-root-user']), '--mount', '--propagation', 'private'];
    const probe = spawnSync('unshare', [...ns, 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip(`no mount namespace can be made here (${(probe.stderr || probe.error?.message || '').trim()}): run as root`);
      return;
    }
    // A test runner of its own (without the variable that tells a file it runs under one).
    const env = { ...process.env, TD_FULLDISK_INNER: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('unshare', [...ns, process.execPath, '--test', '--test-reporter=spec', fileURLToPath(import.meta.url)], {
      env,
      encoding: 'utf8',
      timeout: 540000,
    });
    process.stderr.write(r.stdout + r.stderr);
    assert.equal(r.status, 0, `the full-disk suite passed (its report is above)${r.error ? ': ' + r.error.message : ''}`);
    const ran = /^ℹ pass (\d+)$/m.exec(r.stdout);
    assert.ok(ran && Number(ran[1]) >= 6, 'and every test of it ran');
  });
}

const MiB = 1024 * 1024;
const SIZE = 24 * MiB; // the tmpfs
const FLOOR = 8 * MiB; // --min-free-mb 8
const PAGE = 4096;
const pw = { admin: 'Admin-' + randomBytes(8).toString('hex'), cw: 'Cw-' + randomBytes(8).toString('hex') };

let mnt; // the tmpfs
let dir; // the data dir on it
let srv;
let cw;
let victim; // a receipt session on the first case
let target; // {id, state} of the first case's copy
const acked = []; // {receipt, case}: every 201
let fillerFd = -1;
let fillerSize = 0;
const fillerPath = () => path.join(mnt, 'filler');

const freeBytes = () => {
  const s = statfsSync(mnt);
  return s.bavail * s.bsize;
};

// Grows or shrinks the filler until exactly `target` bytes are free (0: until the disk is full).
function setFree(target) {
  if (fillerFd < 0) fillerFd = openSync(fillerPath(), 'w');
  const delta = freeBytes() - target;
  if (delta > 0) {
    const chunk = Buffer.alloc(MiB);
    for (let left = delta; left > 0; ) {
      let n;
      try {
        n = writeSync(fillerFd, chunk, 0, Math.min(left, chunk.length), fillerSize);
      } catch (e) {
        if (e.code === 'ENOSPC' && target === 0) break;
        throw e;
      }
      fillerSize += n;
      left -= n;
    }
  } else if (delta < 0) {
    fillerSize = Math.max(0, fillerSize + delta);
    ftruncateSync(fillerFd, fillerSize);
  }
  assert.equal(fstatSync(fillerFd).size, fillerSize);
  assert.equal(freeBytes(), target, `free space set to ${target}`);
}

function removeFiller() {
  if (fillerFd >= 0) closeSync(fillerFd);
  fillerFd = -1;
  fillerSize = 0;
  unlinkSync(fillerPath());
}

const server = (args = []) => startServer({ dataDir: dir, args: [...QUIET_LIMITS, ...args] });

async function submit(lang) {
  const r = await call(srv.base, 'POST', '/api/v1/cases', { json: report(), lang });
  if (r.status === 201) acked.push({ receipt: r.body.receipt, case: r.body.case });
  return r;
}
const transition = (to) => asStaff(srv.base, cw, 'POST', `/api/v1/staff/targets/${target.id}/transition`, { to, ...fieldsFor(to) });
const message = (body) => call(srv.base, 'POST', '/api/v1/my/messages', { ...victim, json: { body } });
const addCopy = () => call(srv.base, 'POST', '/api/v1/my/targets', {
  ...victim,
  json: { targets: [{ kind: 'offline', holder: '便利店老板', where: `南京路 ${randomBytes(3).toString('hex')}` }] },
});

function assertRefused(r, code, lang = 'zh-CN') {
  assert.equal(r.status, 503, r.text);
  assert.equal(r.headers.get('retry-after'), '60');
  assert.equal(r.body.error.code, code);
  assert.equal(r.body.error.message, I18N[lang][`error.${code}`]);
}

// A report through the form with a screenshot, refused for storage: 503 with the form again and
// what was typed kept, and not a byte of the screenshot left in the file store.
async function assertFormRefused(code, shotBytes) {
  const files = filesIn(dir);
  const typed = `描述-${randomBytes(4).toString('hex')}`;
  const page = await postForm(srv.base, typed, [png(shotBytes)]);
  assert.equal(page.status, 503, page.text.slice(0, 500));
  assert.equal(page.headers.get('retry-after'), '60');
  assert.ok(page.text.includes(I18N['zh-CN'][`error.${code}`]), 'the page says why');
  assert.ok(page.text.includes(I18N['zh-CN']['report.storage_kept']), 'and that the report was not sent');
  assert.ok(page.text.includes(typed), 'what was typed is in the form again');
  assert.deepEqual(await tmpEmptied(dir), [], 'no upload left in files/tmp');
  assert.deepEqual(filesIn(dir), files, 'no screenshot filed');
  const en = await postForm(srv.base, typed, [png(shotBytes)], { lang: 'en' });
  assert.equal(en.status, 503);
  assert.ok(en.text.includes(I18N.en[`error.${code}`]), 'in English too');
  assert.deepEqual(await tmpEmptied(dir), []);
}

if (INNER) {
  before(async () => {
    mnt = mkdtempSync(path.join(os.tmpdir(), 'takedown-fulldisk-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0700`, 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, `mount a tmpfs: ${m.stderr}`);
    dir = path.join(mnt, 'data');
    assert.equal(ctl(['init', '--data-dir', dir, '--admin', 'admin'], [pw.admin, pw.admin]).status, 0);
    const add = ctl(['user', 'add', '--data-dir', dir, '--as', 'admin', '--role', 'caseworker', 'cw'], [pw.admin, pw.cw, pw.cw]);
    assert.equal(add.status, 0, add.stderr);
    srv = await server(['--min-free-mb', String(FLOOR / MiB)]);
    cw = await staffSignIn(srv.base, 'cw', pw.cw);
    assert.equal((await submit()).status, 201);
    const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${acked[0].case}`);
    target = { id: v.body.targets[0].id, state: 0 };
    const xff = addr();
    const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt: acked[0].receipt }, xff });
    assert.equal(s.status, 200, s.text);
    victim = { cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
  });

  after(async () => {
    if (srv) await srv.stop('SIGKILL');
    if (fillerFd >= 0) closeSync(fillerFd);
    if (mnt) {
      spawnSync('umount', [mnt]);
      rmdirSync(mnt);
    }
  });

  test('one page over the reserve, every write is accepted', async () => {
    for (let i = 0; i < 2; i++) { // one to erase and one to withdraw at the reserve, below
      setFree(FLOOR + PAGE);
      assert.equal((await submit()).status, 201);
    }
    setFree(FLOOR + PAGE);
    const to = CHAIN[++target.state];
    assert.equal((await transition(to)).status, 200);
    setFree(FLOOR + PAGE);
    assert.equal((await message('你好')).status, 201);
    setFree(FLOOR + PAGE);
    assert.equal((await addCopy()).status, 201);
    setFree(FLOOR + PAGE);
    const files = filesIn(dir).length;
    const r = await postForm(srv.base, '一页之上', [png(64 * 1024)]);
    assert.equal(r.status, 303, r.text.slice(0, 500));
    assert.equal(filesIn(dir).length, files + 1, 'its screenshot is filed');
  });

  test('at the reserve and under it, writes answer 503 storage_low and nothing is half-written', async () => {
    const cases = caseCount(dir);
    setFree(FLOOR);
    // The upload first: not a byte of it reaches the disk.
    await assertFormRefused('storage_low', 1 * MiB);
    assert.equal(freeBytes(), FLOOR, 'the refused upload took no space');
    assertRefused(await submit(), 'storage_low');
    assertRefused(await submit('en'), 'storage_low', 'en');
    assertRefused(await transition(CHAIN[target.state + 1]), 'storage_low');
    assertRefused(await message('还在吗'), 'storage_low');
    assertRefused(await addCopy(), 'storage_low');
    setFree(FLOOR - PAGE);
    assertRefused(await submit(), 'storage_low');
    assertRefused(await transition(CHAIN[target.state + 1]), 'storage_low');
    await assertFormRefused('storage_low', 64 * 1024);
    // The operator sees it.
    const metrics = await call(srv.base, 'GET', '/metrics', { xff: '127.0.0.1' });
    assert.match(metrics.text, new RegExp(`^takedown_data_dir_reserve_bytes ${FLOOR}$`, 'm'));
    assert.ok(Number(/^takedown_storage_low_refusals_total (\d+)$/m.exec(metrics.text)[1]) >= 10);
    assert.ok(Number(/^takedown_data_dir_free_bytes (\d+)$/m.exec(metrics.text)[1]) <= FLOOR);
    assert.match(srv.log(), /at or under the reserve/);

    assert.equal(caseCount(dir), cases, 'no case was kept');
    const v = await asStaff(srv.base, cw, 'GET', `/api/v1/staff/cases/${acked[0].case}`);
    assert.equal(v.body.targets[0].state, CHAIN[target.state], 'the transition was not kept');
    assertWhole(dir, 'at the reserve');
  });

  test('at the reserve, reads, sign-ins, sign-outs, withdrawal and erasure keep working', async () => {
    setFree(FLOOR - PAGE);
    const staff = await staffSignIn(srv.base, 'cw', pw.cw); // a session row and an audit entry
    assert.equal((await asStaff(srv.base, staff, 'GET', `/api/v1/staff/cases/${acked[0].case}`)).status, 200);
    assert.equal((await asStaff(srv.base, staff, 'GET', '/api/v1/staff/cases?queue=all')).status, 200);
    assert.equal((await asStaff(srv.base, staff, 'DELETE', '/api/v1/staff/session')).status, 200);
    const o = await openWithReceipt(srv.base, acked[1].receipt);
    assert.equal(o.status, 200, o.text);
    assert.equal(o.view.case, acked[1].case);
    for (const p of ['/healthz', '/report', '/staff/login', '/follow-up']) assert.equal((await call(srv.base, 'GET', p)).status, 200, p);
    // Withdrawal and erasure go on: they are the victim's way out (and erasure frees space).
    const signIn = async (receipt) => {
      const xff = addr();
      const s = await call(srv.base, 'POST', '/api/v1/receipt/session', { json: { receipt }, xff });
      assert.equal(s.status, 200, s.text);
      return { cookie: s.cookies.td_session, csrf: s.body.csrf, xff };
    };
    const w = await call(srv.base, 'POST', '/api/v1/my/withdraw', { ...(await signIn(acked[2].receipt)), json: {} });
    assert.equal(w.status, 200, w.text);
    assert.equal(w.body.state, 'withdrawn');
    const gone = await call(srv.base, 'DELETE', '/api/v1/my/case', await signIn(acked[1].receipt));
    assert.equal(gone.status, 200, gone.text);
    acked.splice(1, 1);
    assert.ok(freeBytes() >= FLOOR - PAGE - 64 * PAGE, 'what they wrote came out of the reserve, a little of it');
  });

  test('when space returns the service takes writes again by itself, same process', async () => {
    const pid = srv.proc.pid;
    removeFiller();
    assert.equal((await submit()).status, 201);
    assert.equal((await transition(CHAIN[++target.state])).status, 200);
    assert.equal((await message('谢谢')).status, 201);
    const files = filesIn(dir).length;
    const r = await postForm(srv.base, '空间回来了', [png(1 * MiB)]);
    assert.equal(r.status, 303, r.text.slice(0, 500));
    assert.equal(filesIn(dir).length, files + 1);
    assert.equal(srv.proc.pid, pid);
    assert.equal(srv.proc.exitCode, null, 'no restart');
    assert.match(srv.log(), /back over the reserve/);
    assertWhole(dir, 'after space returned');
  });

  test('with no reserve, a disk with no space at all answers 503 storage_unavailable and recovers', async () => {
    // A clean stop leaves no database log; the restart's sign-in starts a short one, so the next
    // commit needs pages the full disk does not have.
    await srv.stop();
    srv = await server(['--min-free-mb', '0']);
    cw = await staffSignIn(srv.base, 'cw', pw.cw);
    const cases = caseCount(dir);
    setFree(0);
    const pid = srv.proc.pid;
    await assertFormRefused('storage_unavailable', 256 * 1024); // ENOSPC in the file store
    assertRefused(await submit(), 'storage_unavailable'); // SQLITE_FULL on the commit
    assertRefused(await transition(CHAIN[target.state + 1]), 'storage_unavailable');
    assert.equal(caseCount(dir), cases, 'no case was kept');
    assert.match(srv.log(), /the disk refused/);

    removeFiller();
    assert.equal((await submit()).status, 201);
    assert.equal((await transition(CHAIN[++target.state])).status, 200);
    const r = await postForm(srv.base, '又有空间了', [png(256 * 1024)]);
    assert.equal(r.status, 303);
    assert.equal(srv.proc.pid, pid, 'no restart');
    assertWhole(dir, 'after the disk was full');
  });

  test('after a restart every acknowledged report opens with its receipt and the data dir is whole', async () => {
    await srv.stop();
    assertWhole(dir, 'stopped');
    srv = await server();
    for (const a of acked) {
      const o = await openWithReceipt(srv.base, a.receipt);
      assert.equal(o.status, 200, o.text);
      assert.equal(o.view.case, a.case);
    }
    const c = await staffSignIn(srv.base, 'cw', pw.cw);
    const v = await asStaff(srv.base, c, 'GET', `/api/v1/staff/cases/${acked[0].case}`);
    assert.equal(v.body.targets[0].state, CHAIN[target.state], 'every acknowledged transition');
  });
}
