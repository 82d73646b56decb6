// Issue 15, settings read again on SIGHUP: those safe to change while serving take effect at once
// (here the platform desks' rate, seen through the desk's own channel), the others wait for a
// restart and the log says so, and a file that does not read changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, initStaff, ctl, tempDir, call } from './lib.mjs';

let srv, dir, pw, conf, token;

// Waits (bounded, not timed) for the n-th log line that matches.
async function logged(re, n) {
  for (const until = Date.now() + 30000; Date.now() < until; await sleep(20))
    if ((srv.log().match(new RegExp(re.source, 'g')) || []).length >= n) return;
  assert.fail(`not logged ${n} times: ${re}`);
}

const desk = () => call(srv.base, 'GET', '/api/platform/v1/notices', { headers: { Authorization: `Bearer ${token}` } });
async function allowance(max) {
  let n = 0;
  while (n <= max && (await desk()).status === 200) n++;
  return n;
}

before(async () => {
  ({ dir, pw } = initStaff('takedown-reload-', []));
  const keys = tempDir('takedown-reload-keys-');
  const k = ctl(['platform', 'keygen', '--secret-key-file', path.join(keys, 'douyin')]);
  const pk = /^public-key: ([0-9a-f]{64})$/m.exec(k.stdout)[1];
  const add = ctl(['platform', 'add', '--data-dir', dir, '--as', 'admin', '--platform', 'douyin', '--public-key', pk], [pw.admin]);
  assert.equal(add.status, 0, add.stderr);
  token = /^token: (tdp_[0-9a-f]{64})$/m.exec(add.stdout)[1];
  conf = path.join(keys, 'takedownd.conf');
  writeFileSync(conf, 'platform-calls-per-minute = 60\n');
  srv = await startServer({ dataDir: dir, args: ['--config', conf, '--debug-routes'] });
  assert.equal((await call(srv.base, 'POST', '/debug/clock?freeze=1', { json: {} })).status, 200);
});

after(async () => {
  await srv?.stop();
});

test('SIGHUP: the desks\' rate read again applies at once; a changed scheduler period waits for a restart; a broken file changes nothing', async () => {
  assert.equal(await allowance(100), 6, 'a tenth of 60 at once');

  writeFileSync(conf, 'platform-calls-per-minute = 600\nverbose = true\n');
  srv.proc.kill('SIGHUP');
  await logged(/SIGHUP: settings read again/, 1);
  assert.doesNotMatch(srv.log(), /next restart/, 'nothing else changed');
  assert.equal(await allowance(100), 60, 'a tenth of 600 at once, from a fresh allowance');

  writeFileSync(conf, 'platform-calls-per-minute = 600\nverbose = true\ntick-seconds = 120\n');
  srv.proc.kill('SIGHUP');
  await logged(/SIGHUP: settings read again/, 2);
  assert.match(srv.log(), /other settings changed, and take effect at the next restart/);
  assert.equal((await call(srv.base, 'GET', '/healthz')).status, 200);

  writeFileSync(conf, 'platform-calls-per-minute = 6\nno-such-setting = 1\n');
  srv.proc.kill('SIGHUP');
  await logged(/SIGHUP: the settings do not read; nothing changed/, 1);
  assert.equal((await call(srv.base, 'POST', '/debug/clock?seconds=60', { json: {} })).status, 200);
  assert.equal(await allowance(100), 60, 'the rate it had');
  assert.equal(srv.proc.exitCode, null, 'still serving');
});
