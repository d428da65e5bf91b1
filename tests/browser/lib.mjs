// Helpers for the browser tests (tests/browser/*.test.mjs, run by run.sh with node --test).
//
// Environment (set by run.sh): OWED_URL (the server), OWED_EMAIL and OWED_PASSWORD (an
// admin of the demo book), OWED_DB and OWED (the database and the CLI, to arrange data),
// OWED_ARTIFACTS (screenshots), OWED_TODAY (the date the server believes it is).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

function env(name) {
    const v = process.env[name];
    if (!v) {
        throw new Error(`${name} is not set: run the browser tests with tests/browser/run.sh`);
    }
    return v;
}

export const BASE_URL = env('OWED_URL');
export const EMAIL = env('OWED_EMAIL');
export const PASSWORD = env('OWED_PASSWORD');
const ARTIFACTS = env('OWED_ARTIFACTS');

// Debian's chromium, headless. Without the background-networking flags it keeps trying
// to reach Google's services and hangs on a machine without outside network. Playwright
// gives every launch a fresh temporary profile (--user-data-dir) and removes it on close.
// Every browser still open is closed when the test file is done, also when a test failed:
// an open browser would keep node, and so the whole run, from ever ending. (The hook is
// registered here, while the test file imports this module, so that it belongs to the
// file's root and not to the before() or test() that happens to call launch().)
const browsers = new Set();
after(() => Promise.all([...browsers].map((b) => b.close())));

export async function launch() {
    const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [
            '--headless',
            '--no-sandbox', // as root, and in containers without user namespaces
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
    browsers.add(browser);
    browser.on('disconnected', () => browsers.delete(browser));
    return browser;
}

const pageErrors = new WeakMap();

// A page in a context of its own (its own cookies: a fresh, signed-out visitor), with
// relative URLs resolved against the server: page.goto('/login'). Uncaught exceptions and
// console errors (a Content-Security-Policy refusal is one) are collected for errors(page).
export async function newPage(browser, options = {}) {
    const context = await browser.newContext({
        baseURL: BASE_URL,
        viewport: { width: 1280, height: 800 },
        locale: 'en-GB',
        timezoneId: 'UTC',
        ...options,
    });
    const page = await context.newPage();
    const list = [];
    pageErrors.set(page, list);
    page.on('pageerror', (e) => list.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
        // Chromium asks for /favicon.ico on its own; a 404 there is no error of the page.
        const where = m.location().url ?? '';
        if (m.type() === 'error' && !where.endsWith('/favicon.ico')) {
            list.push(`console: ${m.text()}${where ? ` (${where})` : ''}`);
        }
    });
    return page;
}

// What went wrong in the page so far (see newPage); assert.deepEqual(errors(page), []).
export function errors(page) {
    return pageErrors.get(page) ?? [];
}

// Signs in through the form at /login and waits for the dashboard.
export async function signIn(page, email = EMAIL, password = PASSWORD) {
    await page.goto('/login');
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', password);
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/app' || u.pathname === '/app/'),
        page.click('button[type="submit"], input[type="submit"]'),
    ]);
}

// A full-page PNG at $OWED_ARTIFACTS/NAME.png; returns its path.
export async function screenshot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page as it is now and fails on every violation of impact serious
// or critical, naming the rule, its impact and the first elements. The pages' CSP
// (script-src 'self') would refuse a <script> tag, so axe goes in through page.evaluate,
// which the DevTools protocol runs outside the page's CSP. Returns axe's whole result.
export async function checkA11y(page, label) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
        await page.evaluate(AXE_SOURCE);
    }
    const result = await page.evaluate(() =>
        window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const lines = bad.map((v) => {
        const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
        const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : '';
        return `  ${v.id} [${v.impact}] ${v.help}: ${targets}${more}`;
    });
    if (bad.length > 0) {
        await screenshot(page, `a11y-${label}`);
        assert.fail(`${label}: accessibility violations on ${page.url()}:\n${lines.join('\n')}`);
    }
    return result;
}
