import { test, expect, hydrated, signUp } from './fixtures';

test('the system page is server-rendered with its data, then hydrates', async ({ page }) => {
  const { slug } = await signUp(page, 'Shell Tester');
  // The first paint comes from the server: the frame and the status are in the HTML.
  const html = await (await page.request.get(`/w/${slug}/settings/system`)).text();
  expect(html).toContain('System status');
  expect(html).toContain('Shell Tester');

  await page.goto(`/w/${slug}/settings/system`);
  await expect(page.getByRole('heading', { name: 'System', level: 1 })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('status-backend')).toHaveText('SQLite');
});

test('"Check again" re-reads the status through the server function', async ({ page }) => {
  const { slug } = await signUp(page);
  await page.goto(`/w/${slug}/settings/system`);
  await hydrated(page);
  const checkedAt = page.getByTestId('status-checked-at');
  const before = await checkedAt.textContent();

  const response = page.waitForResponse((r) => r.url().endsWith('/api/system_status') && r.ok());
  await page.getByTestId('status-refresh').click();
  await response;

  await expect(page.getByTestId('status-checks')).toHaveText('Re-checked once in this visit');
  await expect(checkedAt).not.toHaveText(before ?? '');
});

test('the theme toggle cycles system → light → dark and is remembered', async ({ page }) => {
  const { slug } = await signUp(page);
  await page.goto(`/w/${slug}`);
  await hydrated(page);
  const toggle = page.getByTestId('theme-toggle');
  const html = page.locator('html');

  await expect(toggle).toHaveAttribute('data-theme', 'system');
  await toggle.click();
  await expect(html).toHaveClass(/\blight\b/);
  await toggle.click();
  await expect(html).toHaveClass(/\bdark\b/);

  // The server renders the remembered choice on the next load: no flash, no script needed.
  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/);
  await hydrated(page);
  await expect(toggle).toHaveAttribute('data-theme', 'dark');
});

test('an unknown address shows the 404 page', async ({ page, consoleErrors }) => {
  const { slug } = await signUp(page);
  for (const path of ['/no/such/page', '/w/not-my-workspace']) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
    await hydrated(page);
  }
  await page.goto(`/w/${slug}`);
  // Chromium reports a document's own 404 on the console; those are the point here.
  const own404 = consoleErrors.filter((e) => e.includes('status of 404'));
  expect(own404).toHaveLength(2);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !own404.includes(e)));
});
