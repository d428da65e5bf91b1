#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the test suite.
# Usage: tests/pg/pg-start.sh STATE_DIR
#
# The cluster lives in a fresh directory under ${TMPDIR:-/tmp} owned by the user that runs the
# server (the `postgres` system user when we are root: initdb and postgres refuse to run as
# root). It listens on 127.0.0.1 only, at the first free port from 54321 up (no unix socket),
# trusts every local connection but those of the role `owed_pw` (password owed-test-pw, for
# the authentication tests), and has a superuser role `owed`. The server trades
# durability for speed (fsync off): it is for tests only.
#
# STATE_DIR (created here; any older server recorded there is stopped first) receives:
#   url      the base URL, postgresql://owed@127.0.0.1:PORT (append /DBNAME)
#   bindir   the PostgreSQL bin directory (psql, pg_ctl, ...)
#   datadir  the cluster directory; pg-stop.sh removes it with the server
#   log      a symlink to the server log
# Environment: OWED_PG_BINDIR (default: newest /usr/lib/postgresql/*/bin),
#              OWED_PG_PORT (default 54321; first port tried),
#              OWED_PG_ICU_LOCALE (default en-US; collation of the databases; "" for C).
# Exits non-zero with a message when PostgreSQL is missing or does not start: the
# PostgreSQL half of the suite must fail loudly, never be skipped.
set -euo pipefail

die() {
    echo "pg-start: $*" >&2
    exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=$1
case "$state" in /*) ;; *) state="$PWD/$state" ;; esac

# A server left over by an interrupted run goes first.
if [ -e "$state" ]; then
    "$here/pg-stop.sh" "$state"
fi

bindir=${OWED_PG_BINDIR:-}
if [ -z "$bindir" ]; then
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
        [ -x "$d/initdb" ] && bindir=$d
    done
fi
for tool in initdb pg_ctl postgres psql; do
    [ -n "$bindir" ] && [ -x "$bindir/$tool" ] ||
        die "no PostgreSQL server binaries (looked for $tool in ${bindir:-/usr/lib/postgresql/*/bin});" \
            "install them with \`scripts/deps.sh test\` (Debian package postgresql) or set OWED_PG_BINDIR"
done

# initdb and postgres do not run as root: use the postgres system user then.
as_server=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 ||
        die "running as root, but there is no 'postgres' system user to run the server" \
            "(Debian's postgresql package creates it: \`scripts/deps.sh test\`)"
    owner=postgres
    if command -v runuser >/dev/null 2>&1; then
        as_server=(runuser -u postgres --)
    else
        as_server=(su postgres -s /bin/sh -c '"$0" "$@"' --)
    fi
fi

mkdir -p "$state"
base=$(mktemp -d "${TMPDIR:-/tmp}/owed-pg.XXXXXX")
chmod 755 "$base"
echo "$base" >"$state/datadir"
echo "$bindir" >"$state/bindir"
if [ "$owner" != "$(id -un)" ]; then
    chown "$owner" "$base"
    if ! "${as_server[@]}" test -w "$base"; then
        # TMPDIR is somewhere the server user cannot reach: /tmp then.
        rm -rf "$base"
        base=$(mktemp -d /tmp/owed-pg.XXXXXX)
        chmod 755 "$base"
        chown "$owner" "$base"
        echo "$base" >"$state/datadir"
    fi
fi
data="$base/data"
log="$base/server.log"
ln -sfn "$log" "$state/log"
cd "$base"   # the server user may not be able to enter the caller's directory

locale_opts=(--locale=C.UTF-8)
icu=${OWED_PG_ICU_LOCALE-en-US}
if [ -n "$icu" ]; then
    # Like a typical production server: text sorts by a real collation, not by bytes.
    locale_opts+=(--locale-provider=icu "--icu-locale=$icu")
fi
if ! "${as_server[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
    "${locale_opts[@]}" --no-sync >"$base/initdb.log" 2>&1; then
    cat "$base/initdb.log" >&2
    die "initdb failed in $data"
fi

# One role that must give a password, for the authentication-failure tests; everyone else
# is trusted. pg_hba.conf takes the first matching line, so it goes on top.
{
    echo "host all owed_pw 127.0.0.1/32 scram-sha-256"
    cat "$data/pg_hba.conf"
} >"$base/pg_hba.conf"
cat "$base/pg_hba.conf" >"$data/pg_hba.conf"

cat >>"$data/postgresql.conf" <<CONF

# owed test server (tests/pg/pg-start.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
max_connections = 60
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
CONF

# The first port from OWED_PG_PORT up that nothing listens on and the server binds.
port=${OWED_PG_PORT:-54321}
started=no
for _ in $(seq 1 40); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        port=$((port + 1))
        continue
    fi
    : >"$log"
    [ "$owner" = "$(id -un)" ] || chown "$owner" "$log"
    if "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 \
        -o "-p $port" start </dev/null >"$base/pg_ctl.log" 2>&1; then
        started=yes
        break
    fi
    if grep -q "could not bind\|Address already in use" "$log"; then
        port=$((port + 1))
        continue
    fi
    break
done
if [ "$started" != yes ]; then
    cat "$base/pg_ctl.log" "$log" >&2 2>/dev/null
    "$here/pg-stop.sh" "$state" || true
    die "the PostgreSQL server did not start (port $port; log above)"
fi

psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port")
if ! "${psql[@]}" -U postgres -d postgres -c "CREATE ROLE owed LOGIN SUPERUSER" \
    -c "CREATE ROLE owed_pw LOGIN SUPERUSER PASSWORD 'owed-test-pw'" >&2; then
    "$here/pg-stop.sh" "$state" || true
    die "could not create the role owed"
fi
url="postgresql://owed@127.0.0.1:$port"
echo "$url" >"$state/url"
echo "pg-start: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $url" \
    "(data $data, collation ${icu:-C})"
