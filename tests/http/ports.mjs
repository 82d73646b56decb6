// A free TCP port on 127.0.0.1 (the kernel's choice), for a server a test is about to start. Its
// own module, so that pg_cluster.mjs, which lib.mjs loads, need not load lib.mjs back.
import net from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
