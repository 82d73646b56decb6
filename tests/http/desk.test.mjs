// Issue 14, the platform desk's accounts from the command line (DESIGN section 7): an admin
// registers a platform's desk with its X25519 public key and gets its token once; the token is
// kept as a hash only; one live desk per platform; what is given is checked before any password
// is asked for; a revocation ends the desk and every token of it; every change is audited.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ctl, initStaff, dataFiles, diskRoots, scanReadStore, sql } from './lib.mjs';

let dir, pw;
const key = () => randomBytes(32).toString('hex');
const add = (platform, publicKey, { as = 'admin', password = pw.admin, days } = {}) =>
  ctl(['platform', 'add', '--data-dir', dir, '--as', as, '--platform', platform, '--public-key', publicKey,
    ...(days === undefined ? [] : ['--days', String(days)])], password === null ? [] : [password]);
const revoke = (platform, password = pw.admin) =>
  ctl(['platform', 'revoke', '--data-dir', dir, '--as', 'admin', '--platform', platform], [password]);
const list = () => ctl(['platform', 'list', '--data-dir', dir]);
const tokenOf = (r) => /^token: (tdp_[0-9a-f]{64})$/m.exec(r.stdout)?.[1];
const oneLine = (r) => r.stderr.trim().split('\n').filter((l) => !/ info applied migration /.test(l));

before(() => {
  ({ dir, pw } = initStaff('takedown-desk-', [['cw1', 'caseworker']]));
});

test('an admin registers a desk: its token is printed once and kept as a hash only', () => {
  const pk = key();
  const r = add('douyin', pk);
  assert.equal(r.status, 0, r.stderr);
  const token = tokenOf(r);
  assert.ok(token, 'a token line');
  assert.equal(r.stdout.split(token).length, 2, 'printed once');
  assert.ok(!r.stdout.includes(pw.admin) && !r.stderr.includes(pw.admin), 'no password printed');
  const disk = diskRoots(dir).flatMap(dataFiles);
  assert.ok(scanReadStore(disk.map((f) => f.p)), 'the scan read the database');
  for (const f of disk) {
    assert.equal(f.bytes.indexOf(Buffer.from(token)), -1, `token in ${path.relative(dir, f.p)}`);
    assert.equal(f.bytes.indexOf(Buffer.from(token.slice(4), 'hex')), -1, `token bytes in ${path.relative(dir, f.p)}`);
  }
  const l = list();
  assert.equal(l.status, 0, l.stderr);
  assert.match(l.stdout, new RegExp(`^douyin\\t${pk}\\tcreated \\d+\\tlive\\ttokens 1$`, 'm'));
  assert.ok(!l.stdout.includes(token), 'a list never shows a token');
});

test('one live desk per platform; a revocation ends it, and then a new one may be made', () => {
  const first = add('weibo', key());
  assert.equal(first.status, 0, first.stderr);
  const again = add('weibo', key());
  assert.equal(again.status, 1);
  assert.deepEqual(oneLine(again), ['takedownctl platform add: the platform has a desk account already: revoke it first']);
  const r = revoke('weibo');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /revoked the desk of weibo and every token of it/);
  assert.match(list().stdout, /^weibo\t[0-9a-f]{64}\tcreated \d+\trevoked\ttokens 0$/m);
  const twice = revoke('weibo');
  assert.equal(twice.status, 1);
  assert.deepEqual(oneLine(twice), ['takedownctl platform revoke: the platform has no live desk account']);
  assert.equal(add('weibo', key()).status, 0, 'a new desk after the revocation');
});

test('what is given is checked before any password is asked for; token lifetimes on both sides', () => {
  for (const [platform, publicKey, days, message] of [
    ['nope', key(), undefined, 'not a platform of the registry'],
    ['other', key(), undefined, 'not a platform of the registry'],
    ['wechat', key().slice(2), undefined, 'the public key must be 64 hex characters'],
    ['wechat', key().slice(2) + 'zz', undefined, 'the public key must be 64 hex characters'],
    ['wechat', key(), 0, 'the token lifetime must be 1 to 3650 days'],
    ['wechat', key(), 3651, 'the token lifetime must be 1 to 3650 days'],
    ['wechat', key(), 'ten', 'the token lifetime must be 1 to 3650 days'],
  ]) {
    const r = add(platform, publicKey, { days, password: null }); // nothing on stdin
    assert.equal(r.status, 1, `${platform} ${days}`);
    const lines = oneLine(r);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0].includes(message), lines[0]);
  }
  for (const days of [1, 3650]) {
    const r = add('wechat', key(), { days });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`valid ${days} days`));
    assert.equal(revoke('wechat').status, 0);
  }
});

test('only an admin, with the right password, registers or revokes a desk; every change is audited', () => {
  const wrong = add('kuaishou', key(), { password: 'not-the-password' });
  assert.equal(wrong.status, 1);
  assert.ok(!tokenOf(wrong));
  const cw = add('kuaishou', key(), { as: 'cw1', password: pw.cw1 });
  assert.equal(cw.status, 1);
  assert.ok(!tokenOf(cw));
  assert.equal(revoke('douyin', 'not-the-password').status, 1);
  assert.match(list().stdout, /^douyin\t[0-9a-f]{64}\tcreated \d+\tlive/m, 'still live');
  const v = ctl(['audit', 'verify', '--data-dir', dir]);
  assert.equal(v.status, 0, v.stderr);
  for (const action of ['platform.add', 'platform.revoke'])
    assert.ok(Number(sql(dir, `SELECT count(*) FROM audit WHERE action = '${action}'`)) >= 1, `${action} in the audit log`);
});
