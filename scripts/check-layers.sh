#!/usr/bin/env bash
# Keeps the layering of DESIGN.md: arrows point down only.
#   base  <- core, store, io  <- app  <- cli (and later http)
# core is pure: no SQL, no files, no clock. SQL lives only in store/.
set -u
cd "$(dirname "$0")/.."
fail=0

# forbid DIR PATTERN WHY: no file under src/DIR may match PATTERN.
forbid() {
    local hits
    hits=$(grep -nE "$2" src/"$1"/*.[ch] 2>/dev/null)
    if [ -n "$hits" ]; then
        printf 'layers: src/%s %s:\n%s\n' "$1" "$3" "$hits"
        fail=1
    fi
}

forbid base '#include "(core|store|io|app|cli|http)/' "must not know the domain or the layers above"
forbid core '#include "(store|io|app|cli|http)/|#include <(sqlite3|libpq-fe|pthread|unistd)\.h>' "must stay pure"
forbid core '\b(fopen|fread|fwrite|time|clock_gettime|getenv|printf)\(' "must not do I/O or read the clock"
forbid core '\b(double|float)[[:space:]]+[*a-z_]|\((double|float)\)' "must not use floating point"
forbid store '#include "(io|app|cli|http)/' "must not depend on layers above or beside it"
forbid io '#include "(store|app|cli|http)/' "must not depend on the store or layers above"
forbid app '#include "cli/|#include "http/' "must not depend on front ends"
forbid app '#include <sqlite3\.h>|\bsqlite3_' "must not touch SQL (store/ only)"
forbid cli '#include <sqlite3\.h>|\bsqlite3_' "must not touch SQL (store/ only)"
forbid io '#include <sqlite3\.h>|\bsqlite3_' "must not touch SQL (store/ only)"
forbid core '#include <sqlite3\.h>|\bsqlite3_' "must not touch SQL (store/ only)"

if [ "$fail" = 0 ]; then
    echo "layers: 1 passed, 0 failed"
else
    echo "layers: 0 passed, 1 failed"
fi
exit "$fail"
