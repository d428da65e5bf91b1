// Signing in to the staff app at /login, and signing out.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EMAIL, checkA11y, errors, launch, newPage, screenshot, signIn } from './lib.mjs';

let browser;
before(async () => {
    browser = await launch();
});

test('a wrong password shows an error and stays on /login', async () => {
    const page = await newPage(browser);
    await page.goto('/login');
    await checkA11y(page, 'login');
    await page.fill('input[name="email"]', EMAIL);
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click('button[type="submit"]');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.notEqual((await alert.textContent()).trim(), '');
    // The email stays filled in; the password does not.
    assert.equal(await page.inputValue('input[name="email"]'), EMAIL);
    assert.equal(await page.inputValue('input[name="password"]'), '');
    await screenshot(page, 'login-wrong-password');
    await checkA11y(page, 'login-wrong-password');
});

test('the right password lands on the dashboard', async () => {
    const page = await newPage(browser);
    await signIn(page);
    assert.equal(new URL(page.url()).pathname, '/app');
    assert.equal((await page.textContent('h1')).trim(), 'Dashboard');
    await screenshot(page, 'dashboard');
    await checkA11y(page, 'dashboard');
    assert.deepEqual(errors(page), []);
});

test('signing out returns to /login, and /app then sends there too', async () => {
    const page = await newPage(browser);
    await signIn(page);
    await Promise.all([
        page.waitForURL((u) => u.pathname === '/login'),
        page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.goto('/app');
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.locator('input[name="password"]').waitFor();
    assert.deepEqual(errors(page), []);
});
