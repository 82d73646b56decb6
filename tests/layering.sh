#!/bin/sh
# Each library is reached from one place (the house style: one module per concern): libsodium from
# the vault, SQLite from the store's engine files, libpq from its
# PostgreSQL driver, libmicrohttpd from the HTTP layer. A file
# elsewhere that includes one of their headers or calls one of their functions fails this test,
# which names the file and the line. Usage: tests/layering.sh SOURCE_DIR
set -u
src=${1:?usage: layering.sh SOURCE_DIR}
cd "$src/service" || exit 2
bad=0
# only PATTERN FILES...: lines matching PATTERN in service/*.c|h other than FILES are errors.
only() {
  pattern=$1
  shift
  for f in *.c *.h; do
    ok=0
    for allowed in "$@"; do [ "$f" = "$allowed" ] && ok=1; done
    [ $ok = 1 ] && continue
    if grep -nE "$pattern" "$f" >/tmp/layering.$$ 2>/dev/null; then
      sed "s|^|service/$f:|" /tmp/layering.$$
      bad=1
    fi
  done
  rm -f /tmp/layering.$$
}
only '#include [<"]sodium\.h[>"]|\b(crypto_[a-z0-9_]+|sodium_[a-z0-9_]+|randombytes_[a-z0-9_]+)[[:space:]]*\(' vault.c
only '#include [<"]sqlite3\.h[>"]|\bsqlite3_[a-z0-9_]+[[:space:]]*\(|\bsqlite3_stmt\b' \
  store.c store_tx.c store_fault.c store_queue_bulk.c store_copy.c store_internal.h
only '#include [<"]libpq-fe\.h[>"]|\bPQ[a-z][A-Za-z0-9_]*[[:space:]]*\(' store_pg.c
only '#include [<"]microhttpd\.h[>"]|\bMHD_[a-z][A-Za-z0-9_]*[[:space:]]*\(' \
  http.c http.h http_strict.h connguard.c connguard.h
if [ $bad = 1 ]; then
  echo "layering: the lines above reach a library outside its one place (see tests/layering.sh)" >&2
  exit 1
fi
echo "layering: libsodium only in vault.c, SQLite only in the store's engine files, libpq only in store_pg.c, libmicrohttpd only in the HTTP layer"
