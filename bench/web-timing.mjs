// bench/web-timing.mjs: time to a usable page in headless Chromium (navigation start to the
// load event: HTML, stylesheet and script in), 20 times each for the dashboard and for
// customer pages. Prints rows of bench/run-web's table. Usage: OWED_URL=... node
// bench/web-timing.mjs CUSTOMERS
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const url = process.env.OWED_URL;
const customers = Number(process.argv[2] || 1000);

const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.goto(`${url}/login`);
await page.fill('input[name="email"]', 'bench@example.com');
await page.fill('input[name="password"]', 'benchmark password');
await Promise.all([page.waitForURL(/\/app$/), page.click('button[type="submit"]')]);

async function time(path) {
    await page.goto(`${url}${path}`, { waitUntil: 'load' });
    return page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        return n.loadEventEnd - n.startTime;
    });
}

function row(label, v) {
    v.sort((a, b) => a - b);
    const q = (p) => v[Math.min(v.length - 1, Math.round(p * (v.length - 1)))].toFixed(0);
    console.log(`| ${label} | ${q(0.5)} | ${q(0.95)} | ${v[v.length - 1].toFixed(0)} |`);
}

const dash = [], cust = [];
for (let i = 0; i < 20; i++) dash.push(await time('/app'));
for (let i = 0; i < 20; i++) cust.push(await time(`/app/customers/${((i * 4099) % customers) + 1}`));
row('browser: dashboard, navigation to load event, 20 times', dash);
row('browser: customer page, navigation to load event, 20 customers', cust);
await browser.close();
