// A small SMTP server on 127.0.0.1 for the notification tests: EHLO, STARTTLS (with the test's
// own certificate), MAIL, RCPT, DATA, RSET, NOOP, QUIT. It keeps what it accepted and can refuse
// the next N transactions (451) or hold a message without answering its end of data, as a relay
// that has not yet taken it. A held message whose connection closes was never taken.
import net from 'node:net';
import tls from 'node:tls';

export async function startSink({ key, cert } = {}) {
  const sink = { messages: [], held: [], refuse: 0, refuseCode: 451, hold: false, sockets: new Set() };
  const server = net.createServer((raw) => {
    let sock = raw;
    let secure = false;
    let buf = '';
    let data = null; // lines of the message being received
    let tx = null;   // { from, to: [] }
    let ehlo = null; // the name the client gave
    sink.sockets.add(raw);
    raw.on('close', () => sink.sockets.delete(raw));
    raw.on('error', () => {});
    const say = (line) => sock.write(line + '\r\n');
    const onLine = (line) => {
      if (data) {
        if (line !== '.') return void data.push(line.startsWith('..') ? line.slice(1) : line);
        const msg = { ...tx, data: data.join('\r\n') + '\r\n', secure, ehlo };
        data = null;
        tx = null;
        if (sink.hold) {
          sink.held.push(msg);
          sock.on('close', () => (msg.closedUnanswered = true));
          return;
        }
        sink.messages.push(msg);
        return say('250 2.0.0 queued');
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') {
        ehlo = line.slice(5).trim();
        if (key && !secure) say('250-sink.test');
        return say(key && !secure ? '250 STARTTLS' : '250 sink.test');
      }
      if (verb === 'HELO') return say('250 sink.test');
      if (verb === 'STAR' && key && !secure) {
        say('220 2.0.0 go ahead');
        raw.removeAllListeners('data');
        sock = new tls.TLSSocket(raw, { isServer: true, key, cert });
        sock.on('error', () => {});
        secure = true;
        buf = '';
        sock.on('data', onData);
        return;
      }
      if (verb === 'MAIL') {
        if (key && !secure) return say('530 5.7.0 must issue STARTTLS first');
        if (sink.refuse > 0) {
          sink.refuse--;
          return say(sink.refuseCode === 550 ? '550 5.1.1 mailbox unavailable' : '451 4.3.0 try again later');
        }
        tx = { from: /<([^>]*)>/.exec(line)?.[1], to: [] };
        return say('250 2.1.0 ok');
      }
      if (verb === 'RCPT') {
        if (!tx) return say('503 5.5.1 MAIL first');
        tx.to.push(/<([^>]*)>/.exec(line)?.[1]);
        return say('250 2.1.5 ok');
      }
      if (verb === 'DATA') {
        if (!tx || !tx.to.length) return say('503 5.5.1 RCPT first');
        data = [];
        return say('354 end with .');
      }
      if (verb === 'RSET') {
        tx = null;
        return say('250 2.0.0 ok');
      }
      if (verb === 'NOOP') return say('250 2.0.0 ok');
      if (verb === 'QUIT') {
        say('221 2.0.0 bye');
        return void sock.end();
      }
      say('502 5.5.2 not implemented');
    };
    const onData = (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onLine(line);
      }
    };
    raw.on('data', onData);
    say('220 sink.test ESMTP');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = server.address().port;
  sink.close = () =>
    new Promise((resolve) => {
      for (const s of sink.sockets) s.destroy();
      server.close(resolve);
    });
  // Listening again on the same port after close (a relay that was down comes back).
  sink.reopen = () => new Promise((resolve) => server.listen(sink.port, '127.0.0.1', resolve));
  // The messages for one Message-ID.
  sink.byId = (id) => sink.messages.filter((m) => messageId(m) === id);
  return sink;
}

// A header's value, folded lines joined.
export const header = (m, name) => new RegExp(`^${name}: (.*(?:\r\n[ \t].*)*)$`, 'mi').exec(m.data)?.[1]?.replace(/\r\n[ \t]/g, ' ');
export const messageId = (m) => header(m, 'Message-ID');
// The decoded text body (base64 in the message).
export const bodyOf = (m) => Buffer.from(m.data.split('\r\n\r\n').slice(1).join('').replace(/\s+/g, ''), 'base64').toString('utf8');
// The subject's encoded words (RFC 2047), decoded and joined.
export const encodedWords = (m) => [...header(m, 'Subject').matchAll(/=\?UTF-8\?B\?([^?]*)\?=/g)];
export const subjectOf = (m) => Buffer.concat(encodedWords(m).map((w) => Buffer.from(w[1], 'base64'))).toString('utf8');
