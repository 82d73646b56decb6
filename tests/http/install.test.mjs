// Issue 15, installing as a service: scripts/install staged under a temporary root (--destdir, with
// the binaries the tests built) puts each file where the unit expects it with tight permissions,
// and `systemd-analyze verify` finds nothing wrong with the unit;
// the unit's sandbox rates "OK" or better in `systemd-analyze security`; and the installed binary
// starts from the installed settings file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { statSync, readFileSync, writeFileSync } from 'node:fs';
import { REPO, TAKEDOWND, tempDir, startServer, call, freePort } from './lib.mjs';

const mode = (p) => statSync(p).mode & 0o7777;

test('scripts/install --destdir: every file in place, binaries 0755, settings 0640 in a 0750 directory, data 0700', () => {
  const root = tempDir('takedown-install-');
  const r = spawnSync(path.join(REPO, 'scripts/install'), ['--destdir', root, '--build-dir', path.dirname(TAKEDOWND)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const want = {
    'usr/local/bin/takedownd': 0o755, 'usr/local/bin/takedownctl': 0o755,
    'etc/systemd/system/takedown.service': 0o644, 'etc/takedown': 0o750,
    'etc/takedown/takedownd.conf': 0o640, 'var/lib/takedown': 0o700,
    'usr/local/share/doc/takedown/operations.md': 0o644,
  };
  for (const [p, m] of Object.entries(want)) assert.equal(mode(path.join(root, p)).toString(8), m.toString(8), p);
  const unit = readFileSync(path.join(root, 'etc/systemd/system/takedown.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/takedownd --config \/etc\/takedown\/takedownd\.conf$/m);
  assert.match(unit, /^ReadWritePaths=\/var\/lib\/takedown$/m);
  // systemd-analyze verify, with ExecStart pointing at the staged binary (the real path is empty
  // here): every directive known, every command executable.
  const staged = path.join(root, 'takedown.service');
  writeFileSync(staged, unit.replace('ExecStart=/usr/local/bin/takedownd', `ExecStart=${root}/usr/local/bin/takedownd`));
  const verify = spawnSync('systemd-analyze', ['verify', staged], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.doesNotMatch(verify.stdout + verify.stderr, /Unknown|ignoring/, 'a misspelt directive is only a warning to verify');
  // A settings file the operator edited is kept by a second install.
  const conf = path.join(root, 'etc/takedown/takedownd.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8') + 'trust-proxy = true\n');
  const again = spawnSync(path.join(REPO, 'scripts/install'), ['--destdir', root, '--build-dir', path.dirname(TAKEDOWND)], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(readFileSync(conf, 'utf8'), /^trust-proxy = true$/m, 'kept');
  const bad = spawnSync(path.join(REPO, 'scripts/install'), ['--dest', root], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option/);
});

test('the unit\'s sandbox: systemd-analyze security rates it OK or better, with every setting the issue names', () => {
  const unitFile = path.join(REPO, 'deploy/takedown.service');
  const unit = readFileSync(unitFile, 'utf8');
  for (const k of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'PrivateDevices=yes',
    'MemoryDenyWriteExecute=yes', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'SystemCallFilter=@system-service', 'ReadWritePaths=/var/lib/takedown'])
    assert.ok(unit.includes(`\n${k}\n`), k);
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'systemd-analyze is installed (scripts/install-deps --test)');
  const m = /Overall exposure level for takedown\.service: ([0-9.]+) (\w+)/.exec(r.stdout);
  assert.ok(m, r.stdout.slice(-400) + r.stderr);
  assert.ok(['SAFE', 'OK'].includes(m[2]) && Number(m[1]) <= 2.0, `exposure ${m[1]} ${m[2]}`);
});

test('the installed binary starts from the installed settings (its data directory and address)', async () => {
  const root = tempDir('takedown-install-run-');
  const r = spawnSync(path.join(REPO, 'scripts/install'), ['--destdir', root, '--build-dir', path.dirname(TAKEDOWND)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const conf = path.join(root, 'etc/takedown/takedownd.conf');
  const data = path.join(root, 'var/lib/takedown');
  const port = await freePort();
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('data-dir = /var/lib/takedown', `data-dir = ${data}`).replace('listen = 127.0.0.1:8080', `listen = 127.0.0.1:${port}`));
  const srv = await startServer({ onlyArgs: true, args: ['--config', conf], port, dataDir: data });
  try {
    assert.equal((await call(srv.base, 'GET', '/healthz')).status, 200);
    assert.match(srv.log(), new RegExp(`listening on 127\\.0\\.0\\.1:${port}, data in ${data}`));
  } finally {
    await srv.stop();
  }
});

test('scripts/install: --destdir and --build-dir relative to where it is run from, not to the checkout', () => {
  const cwd = tempDir('takedown-install-rel-');
  const build = path.relative(cwd, path.dirname(TAKEDOWND));
  const r = spawnSync(path.join(REPO, 'scripts/install'), ['--destdir', 'staged', '--build-dir', build], { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mode(path.join(cwd, 'staged/usr/local/bin/takedownd')), 0o755);
  assert.throws(() => statSync(path.join(REPO, 'staged')), 'nothing staged inside the checkout');
});
