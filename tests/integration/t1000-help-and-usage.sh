#!/bin/bash
# owed help, owed CMD --help, and the usage errors (exit 2) of every command.
. "$(dirname "$0")/lib.sh"

commands="init import pay apply unapply credit-note write-off reverse refund bank match dunning outbox policy hold dispute promise plan note tasks aging kpi customer org check gen help"

say "owed help lists every command"
expect_exit 0 owed help
cp "$T/out" help.txt
expect_line help.txt "usage: owed COMMAND [OPTIONS] [ARGS]"
for c in $commands; do
    expect_true "owed help lists $c" grep -Eq "^  $c +[a-zA-Z]" help.txt
done
expect_contains help.txt "Exit codes: 0 success, 1 failure, 2 usage error, 3 input rejected."
expect_exit 0 owed --help
expect_same help.txt "$T/out" "owed --help is owed help"
expect_exit 0 owed
expect_same help.txt "$T/out" "owed alone prints the help"
expect_exit 0 owed --version
expect_true "--version prints 'owed X.Y.Z'" grep -Eq '^owed [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"

say "owed CMD --help and owed help CMD, for every command"
for c in $commands; do
    expect_exit 0 owed "$c" --help
    cp "$T/out" "help-$c.txt"
    expect_true "owed $c --help starts with 'usage: owed $c'" grep -q "^usage: owed $c" "help-$c.txt"
    expect_contains "help-$c.txt" "Example" "owed $c --help has an Example"
    expect_true "owed $c --help: the example runs owed $c" \
        grep -Eq "^  owed $c( |\$)" "help-$c.txt"
    expect_exit 0 owed help "$c"
    expect_same "help-$c.txt" "$T/out" "owed help $c is owed $c --help"
done
expect_true "help needs no database: no owed.db created" test ! -e owed.db

say "unknown commands and options: exit 2, the message on stderr, nothing on stdout"
expect_exit 2 owed frobnicate
expect_line "$T/err" "owed: 'frobnicate' is not an owed command"
expect_true "stdout empty" test ! -s "$T/out"
expect_exit 2 owed help frobnicate
expect_line "$T/err" "owed: 'frobnicate' is not an owed command"
for c in init import pay apply unapply credit-note write-off reverse refund bank match dunning outbox policy hold dispute promise plan note tasks aging kpi customer org check gen; do
    expect_exit 2 owed "$c" --no-such-option
    expect_contains "$T/err" "see \`owed $c --help\`" "owed $c --no-such-option points at the help"
done
expect_exit 2 owed aging --as-of
expect_exit 2 owed import
expect_exit 2 owed import customers
expect_exit 2 owed import widgets x.csv
expect_line "$T/err" "owed: 'widgets' is not a kind of import (customers, invoices, invoice-lines, payments, movements, ubl)"
expect_exit 2 owed import customers a.csv b.csv
expect_exit 2 owed pay --ref P1 --customer C1
expect_line "$T/err" "owed: --ref, --customer and --amount are required"
expect_exit 2 owed pay --ref P1 --customer C1 --amount 1 --invoice I1 --apply oldest
expect_exit 2 owed pay --ref P1 --customer C1 --amount 1 --apply sometimes
expect_exit 2 owed apply P1
expect_exit 2 owed unapply
expect_exit 2 owed credit-note CN-1
expect_exit 2 owed write-off INV-1
expect_exit 2 owed refund
expect_exit 2 owed bank confirm abc
expect_exit 2 owed bank frob
expect_exit 2 owed bank entries --status sleeping
expect_exit 2 owed match
expect_exit 2 owed org set
expect_exit 2 owed import movements x.csv --skip-bad
expect_exit 2 owed dunning
expect_exit 2 owed dunning launch
expect_exit 2 owed outbox
expect_exit 2 owed outbox show x
expect_exit 2 owed policy assign gentle
expect_line "$T/err" "owed: say who: --customer REF, --segment S or --default"
expect_exit 2 owed hold frobnicate
expect_exit 2 owed dispute resolve 1
expect_line "$T/err" "owed: resolve with --credit-note or --upheld"
expect_exit 2 owed plan create --invoice INV-1
expect_exit 2 owed note add
expect_exit 2 owed tasks done
expect_exit 2 owed org set
expect_exit 2 owed dunning preview --format csv
expect_exit 2 owed check extra
expect_exit 2 owed gen
expect_exit 2 owed gen --out g --customers -1
expect_exit 2 owed gen --out g --invoices many
expect_exit 2 owed gen --out g --end 2026-02-30
expect_true "failed gen wrote nothing" test ! -e g

say "impossible dates are usage errors (exit 2), before any database is opened"
for args in "aging --as-of 2026-13-01" "kpi --as-of 2026-13-01" "customer show C001 --as-of 2026-13-01" \
    "aging --as-of 2026-02-29" "aging --as-of 26-06-30" "aging --as-of 2026-6-30" "aging --as-of yesterday"; do
    # shellcheck disable=SC2086
    expect_exit 2 owed $args
    expect_contains "$T/err" "is not a date (YYYY-MM-DD)" "owed $args: says what a date looks like"
done
expect_exit 2 env OWED_TODAY=2026-13-01 "$OWED" aging
expect_line "$T/err" "owed: OWED_TODAY='2026-13-01' is not a date (YYYY-MM-DD)"
expect_true "no owed.db created by any usage error" test ! -e owed.db

say "a missing input file is a failure (exit 1) that names the file"
expect_exit 0 owed init
expect_exit 1 owed import customers "$T/nope.csv"
expect_line "$T/err" "owed: $T/nope.csv: No such file or directory"

finish
