import { test as base, expect, type Page } from '@playwright/test';

/**
 * Every page a test opens is watched for console errors and uncaught exceptions; a test
 * that saw any fails, whatever else it asserted.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        // Playwright's own queries into a frame sandboxed without scripts (the report
        // viewer) make Chromium log this; it is the sandbox working, not a page error.
        const sandboxNotice = /^Blocked script execution in '[^']*' because the document's frame is sandboxed/;
        if (msg.type() === 'error' && !sandboxNotice.test(msg.text())) errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export const PASSWORD = 'correct horse battery';

/** Waits until the WASM bundle has hydrated the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Creates an account through the sign-up form; lands in its first workspace. */
export async function signUp(page: Page, name = 'Test User', email = uniqueEmail()) {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  const slug = new URL(page.url()).pathname.split('/')[2];
  return { email, slug, name };
}
