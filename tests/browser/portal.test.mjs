// The customer portal in a real browser: a magic link emailed through the outbox and caught
// by a real SMTP server (tests/tools/smtp_sink.py), its page, Continue, the home page, an
// invoice, then acknowledge, dispute a line, promise a date, pay by card through the test
// gateway and leave feedback; each page without script errors (a CSP refusal is one),
// screenshotted and passing axe. The staff's timeline of the customer then shows every
// action "via" the portal, and the used link refuses a second sign-in. Last, a payment plan
// set up from the invoice page once `owed portal settings --plans on` allows it.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { BASE_URL, checkA11y, errors, launch, newPage, screenshot } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OWED = process.env.OWED;
const REF = 'PORTAL-BROWSER';
const dir = mkdtempSync(join(tmpdir(), 'owed-portal-browser-'));
let browser;
let sink;

function owed(...args) {
    return execFileSync(OWED, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function json(file, value) {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(value));
    return path;
}

// A real SMTP server on a free port; its messages land in dir/mail as NNNNNN.eml.
async function startSink() {
    const portFile = join(dir, 'smtp.port');
    sink = spawn('/usr/bin/python3', [join(here, '../tools/smtp_sink.py'), '--dir',
        join(dir, 'mail'), '--port-file', portFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (let i = 0; i < 100 && !existsSync(portFile); i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(existsSync(portFile), 'the SMTP sink started');
    return `smtp://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
}

// The portal link in the plain text of the newest email (quoted-printable undone).
function mailedLink() {
    const files = readdirSync(join(dir, 'mail')).filter((f) => f.endsWith('.eml')).sort();
    assert.ok(files.length > 0, 'an email reached the SMTP server');
    const raw = readFileSync(join(dir, 'mail', files.at(-1)), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    const m = raw.match(/https?:\/\/\S+\/portal\/login\/[0-9]+\.[0-9]+\.[0-9a-f]{64}/);
    assert.ok(m, 'the email carries a portal link');
    return m[0];
}

// The page's errors, less the refusals this test asks for (a declined card is a 402 page,
// a used link a 410, a refused form a 422): Chromium logs a non-2xx page as a console error.
function pageErrors(page) {
    const asked = /Failed to load resource: the server responded with a status of (402|410|422) .*\/portal\//;
    return errors(page).filter((e) => !asked.test(e));
}

before(async () => {
    browser = await launch();
    const smtp = await startSink();
    writeFileSync(join(dir, 'customers.csv'),
        'customer_ref,name,email,currency,terms,credit_limit\n' +
        `${REF},Portal Browser GmbH,ap@portal-browser.example,EUR,NET30,\n`);
    owed('import', 'customers', join(dir, 'customers.csv'));
    owed('org', 'set', '--mail-from', 'Billing <billing@browser.example>', '--smtp-url', smtp);
    owed('seller', 'set', json('seller.json', {
        name: 'Browser Test Ltd', street: 'Hauptstraße 1', city: 'Berlin', postcode: '10115',
        country: 'DE', vat_id: 'DE123456789', iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX', public_url: BASE_URL,
    }));
    owed('seller', 'party', REF, json('party.json', {
        name: 'Portal Browser GmbH', street: 'Bahnhofstrasse 1', city: 'Zürich',
        postcode: '8001', country: 'CH',
    }));
    owed('invoice', 'create', '--customer', REF, '--line', 'Consulting;10;95.00;19',
        '--line', 'Travel;1;120.50;19', '--issue');
    owed('portal', 'link', REF, '--send');
    owed('outbox', 'send');
});

after(() => {
    if (sink) sink.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
});

test('from the emailed link through acknowledge, dispute, promise, pay and feedback', async () => {
    const link = mailedLink();
    const page = await newPage(browser);

    // The link's page: a button, nothing used yet.
    let r = await page.goto(link);
    assert.equal(r.status(), 200);
    assert.equal((await page.textContent('h1')).trim(), 'Welcome, Portal Browser GmbH');
    await screenshot(page, 'portal-login');
    await checkA11y(page, 'portal-login');

    await Promise.all([page.waitForURL((u) => u.pathname === '/portal'),
        page.click('button:has-text("Continue")')]);
    assert.equal((await page.textContent('h1')).trim(), 'Hello, Portal Browser GmbH');
    const row = page.locator('tr[data-invoice]');
    assert.equal(await row.count(), 1, 'one open invoice');
    assert.match(await row.textContent(), /1,273\.90 EUR/);
    assert.equal((await page.textContent('[data-field="balance"]')).trim(), '1,273.90');
    await screenshot(page, 'portal-home');
    await checkA11y(page, 'portal-home');
    const cookies = await page.context().cookies();
    const c = cookies.find((k) => k.name === 'owed_portal');
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict' && c.path === '/portal', 'the cookie');

    await Promise.all([page.waitForURL(/\/portal\/invoices\/\d+$/), row.locator('a').click()]);
    const invoiceUrl = page.url();
    assert.match(await page.textContent('h1'), /^Invoice INV-/);
    assert.equal(await page.locator('tbody tr:has-text("Travel")').count(), 1, 'its lines');
    await screenshot(page, 'portal-invoice');
    await checkA11y(page, 'portal-invoice');

    // Acknowledge receipt.
    await Promise.all([page.waitForURL(invoiceUrl),
        page.click('button:has-text("I received this invoice")')]);
    assert.match(await page.textContent('.flash'), /Thank you for confirming/);
    assert.match(await page.textContent('[data-field="ack"]'), /confirmed on/);

    // Dispute the travel line.
    await page.selectOption('#disp-reason', 'pricing');
    await page.selectOption('#disp-line', '2');
    await page.fill('#disp-amount', '20.50');
    await page.fill('#disp-text', 'Travel was agreed at 100.00');
    await Promise.all([page.waitForURL(invoiceUrl), page.click('button:has-text("Send")')]);
    assert.match(await page.textContent('.flash'), /We have your report/);
    assert.match(await page.textContent('[data-dispute]'), /Line 2 \(Travel\): Travel was agreed/);

    // Promise a date, with a refusal first: more than is open.
    await page.fill('#prom-date', '2026-07-15');
    await page.fill('#prom-amount', '99999.00');
    await Promise.all([page.waitForLoadState(), page.click('button:has-text("Promise this payment")')]);
    assert.match(await page.textContent('[role="alert"]'), /more than is open/);
    await checkA11y(page, 'portal-invoice-refused');
    await page.fill('#prom-date', '2026-07-15');
    await page.fill('#prom-amount', '500.00');
    await Promise.all([page.waitForURL(invoiceUrl), page.click('button:has-text("Promise this payment")')]);
    assert.match(await page.textContent('[data-promise]'), /500\.00 EUR by 2026-07-15/);

    // Pay: a declined card first, then the rest by a good one.
    await page.fill('#pay-card', '4000 0000 0000 0002');
    await Promise.all([page.waitForLoadState(), page.click('button:has-text("Pay now")')]);
    assert.match(await page.textContent('[role="alert"]'), /declined/);
    await page.fill('#pay-card', '4242 4242 4242 4242');
    await Promise.all([page.waitForURL(invoiceUrl), page.click('button:has-text("Pay now")')]);
    assert.match(await page.textContent('.flash'), /Thank you for your payment/);
    assert.equal((await page.textContent('[data-field="open"]')).trim(), '0.00 EUR');
    await screenshot(page, 'portal-invoice-paid');
    await checkA11y(page, 'portal-invoice-paid');

    // Feedback.
    await page.click('nav a:has-text("Feedback")');
    await page.waitForURL((u) => u.pathname === '/portal/feedback');
    await checkA11y(page, 'portal-feedback');
    await page.check('input[name="rating"][value="5"]');
    await page.fill('#fb-comment', 'Quick and clear');
    await Promise.all([page.waitForURL((u) => u.pathname === '/portal'),
        page.click('button:has-text("Send feedback")')]);
    assert.match(await page.textContent('.flash'), /Thank you for your feedback/);
    await screenshot(page, 'portal-home-after');
    assert.deepEqual(pageErrors(page), []);

    // The staff see every action on the customer's timeline, via the portal.
    const show = JSON.parse(owed('customer', 'show', REF, '--format', 'json'));
    const via = show.timeline.filter((e) => e.via === 'portal').map((e) => e.text);
    for (const want of [/^signed in to the portal/, /^acknowledged receipt of INV-/,
        /disputed, pricing .*Line 2 \(Travel\)/, /^promise to pay 500\.00 EUR by 2026-07-15/,
        /^card payment of .* declined/, /^paid 1273\.90 EUR by card for INV-/,
        /^feedback 5\/5: Quick and clear$/]) {
        assert.ok(via.some((t) => want.test(t)), `timeline has ${want}: ${JSON.stringify(via)}`);
    }
    const fb = owed('portal', 'feedback', '--customer', REF, '--format', 'csv');
    assert.match(fb, /,PORTAL-BROWSER,Portal Browser GmbH,5,Quick and clear\n/);

    // Signing out ends the session.
    await page.click('button:has-text("Sign out")');
    await page.waitForLoadState();
    assert.equal((await page.textContent('h1')).trim(), 'Signed out');
    r = await page.goto('/portal');
    assert.equal(r.status(), 401);
});

test('a used link says so, and offers a new one by email', async () => {
    const page = await newPage(browser);
    const r = await page.goto(mailedLink());
    assert.equal(r.status(), 410);
    assert.equal((await page.textContent('h1')).trim(), 'This link was already used');
    assert.equal(await page.locator('text=Portal Browser GmbH').count(), 0, 'no customer data');
    assert.equal(await page.locator('button:has-text("Email me a new link")').count(), 1);
    await screenshot(page, 'portal-link-used');
    await checkA11y(page, 'portal-link-used');
    assert.deepEqual(pageErrors(page), []);
});

test('a payment plan, set up from the invoice page as the settings allow', async () => {
    owed('invoice', 'create', '--customer', REF, '--line', 'Support;1;300.00;0;Z', '--issue');
    owed('portal', 'settings', '--plans', 'on', '--max-installments', '3', '--max-days', '10');
    const link = owed('portal', 'link', REF).trim();
    const page = await newPage(browser);
    await page.goto(link);
    await Promise.all([page.waitForURL((u) => u.pathname === '/portal'),
        page.click('button:has-text("Continue")')]);
    const row = page.locator('tr[data-invoice]');
    assert.equal(await row.count(), 1, 'the new invoice is the open one');
    await Promise.all([page.waitForURL(/\/portal\/invoices\/\d+$/), row.locator('a').click()]);
    const invoiceUrl = page.url();

    // The choices are the policy's: 2 or 3 payments, the first within 10 days.
    assert.deepEqual(await page.locator('#plan-n option').evaluateAll(
        (os) => os.map((o) => o.value)), ['2', '3']);
    assert.equal(await page.getAttribute('#plan-first', 'max'), '2026-07-11');
    await checkA11y(page, 'portal-invoice-plan-offer');
    await page.selectOption('#plan-n', '3');
    await page.fill('#plan-first', '2026-07-05');
    await Promise.all([page.waitForURL(invoiceUrl), page.click('button:has-text("Set up the plan")')]);
    assert.match(await page.textContent('.flash'), /Your payment plan is set up/);
    const dues = await page.locator('[data-installment]').allTextContents();
    assert.equal(dues.length, 3, 'three installments');
    assert.match(dues[0], /2026-07-05.*100\.00 EUR/);
    assert.match(dues[2], /2026-09-03.*100\.00 EUR/);
    assert.equal(await page.locator('text=Pay in installments').count(), 0, 'offered once');
    await screenshot(page, 'portal-invoice-plan');
    await checkA11y(page, 'portal-invoice-plan');
    assert.deepEqual(pageErrors(page), []);

    // The staff see the plan, made via the portal.
    const show = JSON.parse(owed('customer', 'show', REF, '--format', 'json'));
    const plans = show.timeline.filter((e) => e.kind === 'plan' && e.via === 'portal');
    assert.equal(plans.length, 1, JSON.stringify(show.timeline));
    assert.match(plans[0].text, /^payment plan for INV-.*300\.00 EUR: 3 installments every 30 days/);
    owed('portal', 'settings', '--plans', 'off');
});
