\set id random(1, 100000)
SELECT i.invoice_number, i.amount_minor, c.customer_ref FROM invoices i JOIN customers c ON c.org_id = i.org_id AND c.customer_id = i.customer_id WHERE i.org_id = 1 AND i.invoice_id = :id;
