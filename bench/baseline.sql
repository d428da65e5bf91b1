-- The baseline for `owed aging --as-of 2026-06-30 --format csv`: the query a user would write
-- by hand over the three CSV files imported into plain tables with the sqlite3 shell (see
-- bench/run, which creates the tables). Run as: sqlite3 baseline.db < bench/baseline.sql
--
-- Same rules as DESIGN.md "Aging": an invoice's open amount is its amount minus payments
-- applied to it and received on or before the as-of date; a blank due date comes from the
-- customer's terms; buckets by days past due; unapplied cash (payments without an invoice
-- number, and the excess of overpayments) is its own column; a customer appears once per
-- currency with an open amount or unapplied cash.
--
-- Amounts are NUMERIC columns, so SQLite sums them as floating point: exactly what a quick
-- hand-written report does and what owed does not (it sums int64 minor units).
.mode csv
.headers on
WITH params(as_of) AS (VALUES ('2026-06-30')),
paid AS (
    SELECT p.invoice_number, SUM(p.amount) AS paid
    FROM payments p, params
    WHERE p.invoice_number <> '' AND p.received_date <= params.as_of
    GROUP BY p.invoice_number
),
inv AS (
    SELECT i.customer_ref, i.currency,
           MAX(i.amount - COALESCE(pd.paid, 0), 0) AS open_amount,
           MAX(COALESCE(pd.paid, 0) - i.amount, 0) AS over_amount,
           CAST(julianday(params.as_of) - julianday(CASE
               WHEN i.due_date <> '' THEN i.due_date
               WHEN upper(c.terms) = 'DUE' THEN i.issue_date
               WHEN upper(c.terms) LIKE 'EOM%' THEN
                   date(i.issue_date, 'start of month', '+1 month', '-1 day',
                        '+' || CAST(substr(c.terms, 4) AS INTEGER) || ' days')
               ELSE date(i.issue_date,
                         '+' || CAST(substr(c.terms, instr(upper(c.terms), 'NET') + 3) AS INTEGER)
                             || ' days')
           END) AS INTEGER) AS days_past_due
    FROM invoices i
    JOIN customers c ON c.customer_ref = i.customer_ref
    CROSS JOIN params
    LEFT JOIN paid pd ON pd.invoice_number = i.invoice_number
    WHERE i.issue_date <= params.as_of
),
lines AS (
    SELECT customer_ref, currency,
           CASE WHEN days_past_due <= 0 THEN open_amount ELSE 0 END AS b_current,
           CASE WHEN days_past_due BETWEEN 1 AND 30 THEN open_amount ELSE 0 END AS b_1_30,
           CASE WHEN days_past_due BETWEEN 31 AND 60 THEN open_amount ELSE 0 END AS b_31_60,
           CASE WHEN days_past_due BETWEEN 61 AND 90 THEN open_amount ELSE 0 END AS b_61_90,
           CASE WHEN days_past_due > 90 THEN open_amount ELSE 0 END AS b_91_plus,
           over_amount AS unapplied
    FROM inv
    WHERE open_amount > 0 OR over_amount > 0
    UNION ALL
    SELECT p.customer_ref, p.currency, 0, 0, 0, 0, 0, p.amount
    FROM payments p, params
    WHERE p.invoice_number = '' AND p.received_date <= params.as_of
)
SELECT l.customer_ref, c.name, l.currency,
       round(SUM(b_current), 3) AS current,
       round(SUM(b_1_30), 3) AS d1_30,
       round(SUM(b_31_60), 3) AS d31_60,
       round(SUM(b_61_90), 3) AS d61_90,
       round(SUM(b_91_plus), 3) AS d91_plus,
       round(SUM(unapplied), 3) AS unapplied
FROM lines l
JOIN customers c ON c.customer_ref = l.customer_ref
GROUP BY l.customer_ref, l.currency
ORDER BY l.customer_ref, l.currency;
