// Form bodies as the real binary reads them, whatever way their bytes arrive: a value cut by the
// network before any of it could be decoded (inside its first %-escape, or at the start of a
// multipart value) is one field with its whole value,
// not an empty field followed by another; a NUL inside a text value refuses the form. A chunked
// body makes the cut deterministic: libmicrohttpd hands each chunk to the post processor on its
// own. Both were found by tests/fuzz/fuzz_form.c.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawRequest, statusOf } from './lib.mjs';

const servers = [];
async function server() {
  const s = await startServer({ args: ['--debug-routes'] });
  servers.push(s);
  return s;
}
after(async () => {
  for (const s of servers) {
    await s.stop();
    s.cleanup();
  }
});

// POST /debug/echo with a chunked body of the given pieces; the status and the echoed JSON.
async function echoChunked(port, contentType, pieces) {
  const chunks = pieces.map((p) => `${Buffer.byteLength(p, 'latin1').toString(16)}\r\n${p}\r\n`).join('');
  const raw = await rawRequest(
    port,
    `POST /debug/echo HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\n` +
      `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}0\r\n\r\n`,
  );
  const body = raw.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  let json = null;
  const start = body.indexOf('{');
  if (start >= 0) json = JSON.parse(body.slice(start, body.lastIndexOf('}') + 1));
  return { status: statusOf(raw), json };
}

test('an urlencoded value cut inside its first escape stays one field with its whole value', async () => {
  const s = await server();
  // Nothing of "csrf" can be decoded before the cut: the post processor hands over "" first.
  const r = await echoChunked(s.port, 'application/x-www-form-urlencoded', [
    'csrf=%3',
    '0123abcd&next=%E4%B8',
    '%80',
  ]);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.form, [
    ['csrf', '0123abcd'],
    ['next', '\u4e00'],
  ]);
});

test('a multipart value cut at its start stays one field with its whole value', async () => {
  const s = await server();
  const head = '--bb\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n';
  const r = await echoChunked(s.port, 'multipart/form-data; boundary=bb', [
    head,
    '0123',
    'abcd\r\n--bb\r\nContent-Disposition: form-data; name="next"\r\n\r\nx\r\n--bb--\r\n',
  ]);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.form, [
    ['csrf', '0123abcd'],
    ['next', 'x'],
  ]);
});

test('a NUL inside a text value refuses the form, however the body is cut', async () => {
  const s = await server();
  const whole = await echoChunked(s.port, 'application/x-www-form-urlencoded', ['a=1&b=x%00y']);
  assert.equal(whole.status, 400);
  const cut = await echoChunked(s.port, 'application/x-www-form-urlencoded', ['a=1&b=x', '%00', 'y']);
  assert.equal(cut.status, 400);
  const multipart = await echoChunked(s.port, 'multipart/form-data; boundary=bb', [
    '--bb\r\nContent-Disposition: form-data; name="b"\r\n\r\nx\0y\r\n--bb--\r\n',
  ]);
  assert.equal(multipart.status, 400);
  // Without a NUL the same bodies are read.
  const fine = await echoChunked(s.port, 'application/x-www-form-urlencoded', ['a=1&b=x', '%01', 'y']);
  assert.equal(fine.status, 200);
  assert.deepEqual(fine.json.form, [
    ['a', '1'],
    ['b', 'x\u0001y'],
  ]);
});
