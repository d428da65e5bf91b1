// The dunning pages: the preview of the next run, a policy edited with the live preview of
// its messages and saved (and a stale edit refused), a run from the page, and the outbox.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

// A policy of this test only: nobody follows it, so saving it changes no run.
const POLICY = 'browser-gentle';

test('the dunning page shows the API\'s preview of the next run', async () => {
    const page = await newPage(browser);
    await signIn(page);
    const r = await page.goto('/app/dunning');
    assert.equal(r.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Dunning');
    const today = await page.inputValue('#pv-as-of');
    const preview = await api(page, `/api/v1/dunning/preview?as_of=${today}`);
    assert.equal(await page.getAttribute('[data-preview-total]', 'data-preview-total'), String(preview.length));
    assert.ok(preview.length > 0, 'the demo book has reminders due');
    const rows = page.locator('#preview-table tbody tr');
    assert.equal(await rows.count(), Math.min(preview.length, 200));
    const first = rows.first();
    assert.match(await first.textContent(), new RegExp(preview[0].customer_ref));
    assert.match(await first.textContent(), new RegExp(preview[0].step));
    // Each message names the template its step uses.
    assert.match(await first.locator('td').nth(3).textContent(), /\w/);
    await screenshot(page, 'dunning');
    await checkA11y(page, 'dunning');
    // The policies table lists the default one.
    assert.ok(await page.getByRole('link', { name: 'default' }).first().isVisible());
    assert.deepEqual(errors(page), []);
});

test('a policy edited, previewed and saved; visible after a reload', async () => {
    const page = await newPage(browser);
    await signIn(page);
    // A new policy starts as a copy of the default one.
    await page.goto('/app/dunning');
    await page.fill('#new-policy', POLICY);
    await Promise.all([
        page.waitForURL((u) => u.pathname === `/app/dunning/policies/${POLICY}`),
        page.getByRole('button', { name: 'Create…' }).click(),
    ]);
    assert.match(await page.textContent('h1'), new RegExp(POLICY));
    assert.equal(await page.inputValue('#name_2'), 'late_10');
    await checkA11y(page, 'dunning-policy');
    // The live preview of the saved text is there at once, for a sample customer.
    assert.match(await page.textContent('pre[data-message="late_10"]'), /Dear Sample Customer Ltd/);

    // Edit: the third step fires 14 days after the due date, under a new name, with a fee.
    await page.fill('#name_2', 'late_14');
    await page.fill('#offset_2', '14');
    await page.fill('#fee_2', '15.00');
    await page.selectOption('#channel_1', 'sms');
    await Promise.all([
        page.waitForURL((u) => u.pathname === `/app/dunning/policies/${POLICY}`),
        page.getByRole('button', { name: 'Preview' }).click(),
    ]);
    // The preview shows the rendered text: the sample invoices 14 days overdue.
    const late = await page.textContent('pre[data-message="late_14"]');
    assert.match(late, /Dear Sample Customer Ltd/);
    assert.match(late, /14 days overdue/);
    assert.match(late, /Browser Test Ltd/, 'signed with the organization\'s name');
    assert.equal((await page.textContent('[data-subject="late_14"]')).trim(), 'Reminder: 2 invoices overdue');
    // The SMS step renders the template's sms section (no subject).
    assert.match(await page.textContent('pre[data-message="due"]'), /^Browser Test Ltd: /);
    // The edits are kept on the page, nothing is stored yet.
    assert.equal(await page.inputValue('#name_2'), 'late_14');
    assert.equal((await page.request.get(`/api/v1/dunning/policies/${POLICY}`)).status(), 404);
    await screenshot(page, 'dunning-policy-preview');
    await checkA11y(page, 'dunning-policy-preview');

    // The same for a real customer: its name and its own invoices.
    const cust = (await api(page, '/api/v1/customers?limit=1')).data[0];
    await page.fill('#pv-customer', cust.ref);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForLoadState();
    const intro = await page.textContent('#messages');
    assert.match(intro, new RegExp(`For .*\\(${cust.ref},`));
    assert.match(await page.textContent('pre[data-message="late_14"]'),
        new RegExp(`Dear ${cust.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // Save, then read it again: the edit is stored.
    await Promise.all([
        page.waitForURL((u) => u.pathname === `/app/dunning/policies/${POLICY}`),
        page.getByRole('button', { name: 'Create policy' }).click(),
    ]);
    assert.match(await page.getByRole('status').textContent(), new RegExp(`Policy ${POLICY} created`));
    await page.reload();
    assert.equal(await page.inputValue('#name_2'), 'late_14');
    assert.equal(await page.inputValue('#offset_2'), '14');
    assert.equal(await page.inputValue('#fee_2'), '15.00');
    assert.equal(await page.inputValue('#channel_1'), 'sms');
    const stored = await api(page, `/api/v1/dunning/policies/${POLICY}`);
    assert.deepEqual(stored.steps.map((s) => s.name),
        ['pre_due_7', 'due', 'late_14', 'late_30', 'late_60', 'late_90']);
    assert.equal(stored.steps[2].offset, 14);
    assert.equal(stored.steps[2].fee, '15.00');
    assert.deepEqual(errors(page), []);
});

test('a save from a stale page is refused, not written over the newer version', async () => {
    const a = await newPage(browser);
    const b = await newPage(browser);
    await signIn(a);
    await signIn(b);
    await a.goto(`/app/dunning/policies/${POLICY}`);
    await b.goto(`/app/dunning/policies/${POLICY}`);
    // B saves first.
    await b.fill('#min_open_0', '25');
    await Promise.all([
        b.waitForURL((u) => u.pathname === `/app/dunning/policies/${POLICY}`),
        b.getByRole('button', { name: 'Save policy' }).click(),
    ]);
    assert.match(await b.getByRole('status').textContent(), /saved/);
    // A, still showing the version before, saves another change: refused.
    await a.fill('#min_open_0', '99');
    const [resp] = await Promise.all([
        a.waitForResponse((r) => r.url().endsWith(`/app/dunning/policies/${POLICY}`) && r.request().method() === 'POST'),
        a.getByRole('button', { name: 'Save policy' }).click(),
    ]);
    assert.equal(resp.status(), 412);
    await a.waitForLoadState();
    const alert = a.getByRole('alert').first();
    assert.match(await alert.textContent(), /Changed by someone else/);
    // A's edit is still on its page to copy; the stored policy is B's.
    assert.equal(await a.inputValue('#min_open_0'), '99');
    const stored = await api(a, `/api/v1/dunning/policies/${POLICY}`);
    assert.equal(stored.steps[0].min_open, 25);
    await screenshot(a, 'dunning-policy-stale');
    await checkA11y(a, 'dunning-policy-stale');

    // The JSON editor: a bad document shows the API's own message, and is not stored.
    await b.goto(`/app/dunning/policies/${POLICY}?edit=json`);
    const text = await b.inputValue('#policy-json');
    await b.fill('#policy-json', text.replace('"channel": "letter"', '"channel": "fax"'));
    await b.getByRole('button', { name: 'Save policy' }).click();
    await b.waitForLoadState();
    assert.match(await b.locator('[data-error]').textContent(), /steps\[4\]\.channel: must be email, sms, letter, call or agency/);
    assert.match(await b.inputValue('#policy-json'), /"fax"/);
    await checkA11y(b, 'dunning-policy-json');
    // The refusals are answered with their status (412, 422), which the console notes.
    assert.deepEqual(errors(a).filter((e) => !/status of 412/.test(e)), []);
    assert.deepEqual(errors(b).filter((e) => !/status of 422/.test(e)), []);
});

test('a run from the page queues messages, and the outbox lists them', async () => {
    // Emails need a sender; the test book has none.
    execFileSync(process.env.OWED, ['org', 'set', '--mail-from', 'Browser AR <ar@browser.example>'],
        { env: process.env });
    const page = await newPage(browser);
    await signIn(page);
    await page.goto('/app/dunning');
    const total = await page.getAttribute('[data-preview-total]', 'data-preview-total');
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/dunning/run'),
        page.getByRole('button', { name: /^Run dunning as of/ }).click(),
    ]);
    assert.match(await page.textContent('main'), new RegExp(`sends ${total} messages`));
    await screenshot(page, 'dunning-run-confirm');
    await checkA11y(page, 'dunning-run-confirm');
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/outbox'),
        page.getByRole('button', { name: /^Confirm: run dunning/ }).click(),
    ]);
    assert.match(await page.getByRole('status').textContent(), new RegExp(`Run \\d+ as of .*: ${total} messages queued`));
    const queued = await api(page, '/api/v1/outbox?status=queued&limit=50');
    assert.ok(queued.data.length > 0);
    const rows = page.locator('#outbox-table tbody tr');
    assert.equal(await rows.count(), queued.data.length);
    const m = queued.data[0];
    const row = page.locator(`#outbox-table tbody tr:has(a[href="/app/outbox/${m.id}"])`);
    assert.match(await row.textContent(), new RegExp(m.customer_ref));
    assert.match(await row.textContent(), /queued/);
    await screenshot(page, 'dunning-outbox');
    await checkA11y(page, 'dunning-outbox');

    // Send now: no SMTP server in the test, so emails wait for a retry with the reason.
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app/outbox'),
        page.getByRole('button', { name: 'Send now' }).click(),
    ]);
    assert.match(await page.getByRole('status').textContent(), /Delivered \d+; \d+ to try again later/);
    await page.goto('/app/outbox');
    assert.match(await page.textContent('#outbox-table'), /no SMTP server/);

    // One message in full, as it is delivered.
    await page.goto(`/app/outbox/${m.id}`);
    assert.match(await page.textContent('h1'), new RegExp(`Message ${m.id}`));
    assert.match(await page.textContent('pre'), m.channel === 'email' ? /Subject: / : /\S/);
    await screenshot(page, 'dunning-message');
    await checkA11y(page, 'dunning-message');

    // A failed message can be retried from the list.
    const failed = await api(page, '/api/v1/outbox?status=failed&limit=1');
    if (failed.data.length > 0) {
        await page.goto('/app/outbox?status=failed');
        await Promise.all([
            page.waitForURL((u) => u.pathname === '/app/outbox'),
            page.getByRole('button', { name: `Retry message ${failed.data[0].id}` }).click(),
        ]);
        assert.match(await page.getByRole('status').textContent(), /queued again/);
    }
    assert.deepEqual(errors(page), []);
});

test('a collector sees the dunning pages without the buttons that change them', async () => {
    const page = await newPage(browser);
    await signIn(page);
    // A collector of this test (the settings test adds its own).
    const email = 'dunning-collector@browser.example';
    const password = 'dunning-collector-password';
    const users = await api(page, '/api/v1/users?limit=500');
    if (!users.data.some((u) => u.email === email)) {
        await page.goto('/app/settings');
        await page.fill('#nu-email', email);
        await page.selectOption('#nu-role', 'collector');
        await page.fill('#nu-password', password);
        await page.getByRole('button', { name: 'Add user' }).click();
        await page.waitForLoadState();
    }
    const c = await newPage(browser);
    await signIn(c, email, password);
    await c.goto('/app/dunning');
    assert.equal(await c.getByRole('button', { name: /^Run dunning/ }).count(), 0);
    assert.equal(await c.locator('#new-policy').count(), 0);
    await c.goto(`/app/dunning/policies/${POLICY}`);
    assert.equal(await c.getByRole('button', { name: 'Save policy' }).count(), 0);
    // The preview works for everyone.
    await c.getByRole('button', { name: 'Preview' }).click();
    await c.waitForLoadState();
    assert.match(await c.textContent('pre[data-message="late_14"]'), /14 days overdue/);
    await c.goto('/app/outbox');
    assert.equal(await c.getByRole('button', { name: 'Send now' }).count(), 0);
    await checkA11y(c, 'dunning-outbox-collector');
    assert.deepEqual(errors(c), []);
});
