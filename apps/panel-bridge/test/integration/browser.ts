// Debian's chromium for the dashboard's tests, driven by playwright-core (never a downloaded browser).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser per test at most; `closeBrowser` in afterEach. */
let browser: Browser | undefined;

/** Debian's chromium with {@link CHROMIUM_ARGS} and `extraArgs` (the first launch of a test decides). */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export async function openPage(url: string, height = 1400): Promise<Page> {
  const page = await (await launchBrowser()).newPage({ viewport: { width: 900, height } });
  await page.goto(url);
  return page;
}

/** A screenshot of one element, in test-results/ (looked at by a person; the path is printed). */
export async function screenshot(page: Page, selector: string, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  await page.locator(selector).screenshot({ path });
  console.log(`screenshot: ${path}`);
}
