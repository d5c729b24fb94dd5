import { test, expect, hydrated, signUp } from './fixtures';

// Runs twice: with JavaScript (client-side navigation, no reloads) and without it (every
// page server-rendered, every link a plain link; sign-up is a plain form). See
// playwright.config.ts.
const pages = [
  { link: 'Companies', heading: 'Companies', path: '/companies' },
  { link: 'Deals', heading: 'Deals', path: '/deals' },
  { link: 'Reports', heading: 'Reports', path: '/reports' },
  { link: 'Chat', heading: 'Chat', path: '/chat' },
  { link: 'Settings', heading: 'Settings', path: '/settings' },
  { link: 'Dashboard', heading: 'Dashboard', path: '' },
];

test('the sidebar reaches every section', async ({ page }, testInfo) => {
  const js = testInfo.project.use.javaScriptEnabled !== false;
  const { slug } = await signUp(page);
  if (js) {
    await hydrated(page);
    // A full reload would wipe this marker; client-side navigation keeps it.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  }
  const nav = page.getByRole('navigation', { name: 'Main' }).first();

  for (const p of pages) {
    await nav.getByRole('link', { name: p.link, exact: true }).click();
    await expect(page).toHaveURL(`/w/${slug}${p.path}`);
    await expect(page.getByRole('heading', { name: p.heading, level: 1 })).toBeVisible();
    await expect(nav.getByRole('link', { name: p.link, exact: true })).toHaveAttribute('aria-current', 'page');
    if (js) {
      expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    }
  }
});

test('settings lead to the live system page', async ({ page }) => {
  const { slug } = await signUp(page);
  await page.goto(`/w/${slug}/settings`);
  await page.getByRole('link', { name: /System/ }).click();
  await expect(page).toHaveURL(`/w/${slug}/settings/system`);
  await expect(page.getByRole('heading', { name: 'System', level: 1 })).toBeVisible();
  await expect(page.getByTestId('status-backend')).toHaveText('SQLite');
  await expect(page.getByText('m20261123_000002_auth')).toBeVisible();
});

test('signed-out visitors are sent to sign in and back', async ({ page }) => {
  await page.goto('/w/somewhere/deals');
  await expect(page).toHaveURL(/\/login\?next=%2Fw%2Fsomewhere%2Fdeals/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
