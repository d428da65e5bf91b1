// The collections team's pages: the dashboard against the API, every main page rendered
// without errors and accessible, a worklist action, and a bank file worked to the aging.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { checkA11y, errors, launch, newPage, screenshot, signIn } from './lib.mjs';

let browser;
before(async () => {
    browser = await launch();
});

async function api(page, path) {
    const r = await page.request.get(path);
    assert.equal(r.status(), 200, `${path}: ${await r.text()}`);
    return r.json();
}

// "1,234.56" or "1234.56" as minor units (BigInt), for exact sums.
function minor(s, exp) {
    const t = String(s).replaceAll(',', '');
    const neg = t.startsWith('-');
    const [i, f = ''] = t.replace('-', '').split('.');
    const v = BigInt(i + f.padEnd(exp, '0'));
    return neg ? -v : v;
}

test('the dashboard shows the API\'s KPIs and aging totals', async () => {
    const page = await newPage(browser);
    await signIn(page);
    const kpi = await api(page, '/api/v1/reports/kpi');
    assert.ok(kpi.length > 0, 'the demo book has receivables');
    for (const k of kpi) {
        const shown = await page.textContent(`section[aria-labelledby="kpi-${k.currency}"] [data-kpi="ar"]`);
        assert.equal(shown.trim(), k.ar, `open AR in ${k.currency}`);
    }
    const aging = await api(page, '/api/v1/reports/aging');
    const sums = {};
    for (const row of aging.rows) {
        const exp = (row.current.split('.')[1] ?? '').length;
        for (const b of aging.buckets) {
            sums[row.currency] ??= { exp, total: 0n };
            sums[row.currency].total += minor(row[b], exp);
        }
    }
    for (const [cur, s] of Object.entries(sums)) {
        const shown = await page.textContent(`[data-total="${cur}"]`);
        assert.equal(minor(shown.trim(), s.exp), s.total, `aging total in ${cur}`);
    }
    await screenshot(page, 'staff-dashboard');
    assert.deepEqual(errors(page), []);
});

test('every main page renders, without script errors, and passes axe', async () => {
    const page = await newPage(browser);
    await signIn(page);
    const inv = (await api(page, '/api/v1/invoices?status=open&limit=1')).data[0];
    const pages = [
        ['worklist', '/app/worklist'],
        ['customers', '/app/customers'],
        ['customer', `/app/customers/${inv.customer_id}`],
        ['invoices', '/app/invoices'],
        ['invoice', `/app/invoices/${inv.id}`],
        ['payments', '/app/payments'],
        ['bank', '/app/bank'],
        ['aging', '/app/reports/aging'],
        ['aging-customer', `/app/reports/aging?customer=${inv.customer_ref}`],
        ['kpi', '/app/reports/kpi'],
    ];
    for (const [name, path] of pages) {
        const r = await page.goto(path);
        assert.equal(r.status(), 200, path);
        assert.notEqual((await page.textContent('h1')).trim(), '', `${path} has a heading`);
        await screenshot(page, `staff-${name}`);
        await checkA11y(page, name);
    }
    assert.deepEqual(errors(page), []);
    // The customer page's open amount is the statement's.
    await page.goto(`/app/customers/${inv.customer_id}`);
    const st = await api(page, `/api/v1/customers/${inv.customer_id}/statement`);
    assert.match(await page.textContent('[data-field="open"]'), new RegExp(`${st.open}$`));
    // A phone-sized screen gets the same page, readable.
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'staff-customer-phone');
});

test('a promise recorded from the worklist is on the API', async () => {
    const page = await newPage(browser);
    await signIn(page);
    await page.goto('/app/worklist');
    const row = page.locator('#accounts tbody tr').first();
    const ref = await row.getAttribute('data-customer');
    await row.getByText('Record a promise').click();
    await row.locator('input[name="date"]').fill('2026-07-15');
    await row.locator('input[name="amount"]').fill('100.00');
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/worklist'),
        row.getByRole('button', { name: 'Record promise' }).click(),
    ]);
    assert.match(await page.getByRole('status').textContent(), /Promise recorded/);
    const promises = await api(page, `/api/v1/promises?customer=${ref}`);
    assert.ok(promises.data.some((p) => p.date === '2026-07-15' && p.amount === '100.00'),
        JSON.stringify(promises.data));
    // The worklist shows it beside the account now.
    assert.match(await page.locator(`#accounts tr[data-customer="${ref}"]`).textContent(), /100\.00 by 2026-07-15/);
    await screenshot(page, 'staff-worklist-promise');
});

test('a bank file uploaded and a review item confirmed lowers the aging', async () => {
    const page = await newPage(browser);
    await signIn(page);
    // The largest open invoice; a part payment of 10.00 naming it goes to review.
    const inv = (await api(page, '/api/v1/invoices?status=open&limit=1&sort=-open')).data[0];
    const cust = (await api(page, `/api/v1/customers/${inv.customer_id}`));
    const exp = (inv.open.split('.')[1] ?? '').length;
    const before = await api(page, `/api/v1/customers/${inv.customer_id}/statement`);
    const csv = 'account,statement_id,entry_ref,booking_date,value_date,amount,currency,end_to_end,counterparty_name,counterparty_account,remittance\n' +
        `XX00BROWSER,WEB1,W1,2026-07-01,2026-07-01,10.00,${inv.currency},,"${cust.name.replaceAll('"', '""')}",,"part payment ${inv.number}"\n`;
    await page.goto('/app/bank');
    await page.setInputFiles('input[name="file"]', { name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/bank'),
        page.getByRole('button', { name: 'Import' }).click(),
    ]);
    assert.match(await page.getByRole('status').textContent(), /1 new.*1 to review/);
    const row = page.locator('#review tbody tr', { hasText: `part payment ${inv.number}` });
    await screenshot(page, 'staff-bank-review');
    await checkA11y(page, 'bank-review');
    // The keyboard: the row is selected with j/k, Enter confirms its suggestion.
    const rows = page.locator('#review tbody tr');
    const n = await rows.count();
    let at = -1;
    for (let i = 0; i < n; i++) if ((await rows.nth(i).textContent()).includes(`part payment ${inv.number}`)) at = i;
    assert.ok(at >= 0);
    for (let i = 0; i < at; i++) await page.keyboard.press('j');
    assert.match(await row.getAttribute('class'), /selected/);
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/bank'),
        page.keyboard.press('Enter'),
    ]);
    assert.match(await page.getByRole('status').textContent(), /confirmed and posted/);
    const after = await api(page, `/api/v1/customers/${inv.customer_id}/statement`);
    assert.equal(minor(before.open, exp) - minor(after.open, exp), minor('10.00', exp));
    await page.goto(`/app/reports/aging?customer=${inv.customer_ref}`);
    assert.match(await page.textContent('#aging-detail'), new RegExp(inv.number));
    assert.deepEqual(errors(page), []);
});
