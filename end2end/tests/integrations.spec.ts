import { test, expect, hydrated, signUp } from './fixtures';

// HubSpot is end2end/fake-hubspot.mjs, started beside the server by serve.sh: 1,500 companies
// served 100 a page, slowly enough to watch the sync's progress.
test('an admin connects HubSpot, watches the sync and sees where a company came from', async ({ page, consoleErrors }) => {
  const { slug } = await signUp(page, 'Sync Admin');
  await page.goto(`/w/${slug}/settings`);
  await hydrated(page);
  await page.getByRole('link', { name: /Integrations/ }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/settings/integrations$`));
  await hydrated(page);

  const card = page.getByTestId('connector-hubspot');
  await expect(card.getByTestId('connector-state')).toHaveText('Not connected');

  // A wrong token is refused next to the field; nothing is stored.
  await card.getByLabel('Private app access token').fill('pat-wrong');
  await card.getByTestId('connect').click();
  await expect(card.getByText(/HubSpot refused this token/)).toBeVisible();
  await expect(card.getByTestId('connector-state')).toHaveText('Not connected');
  // The refused token's 422 is the answer this step expects, not a page error.
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('status of 422')));

  await card.getByLabel('Private app access token').fill('pat-e2e-token');
  await card.getByTestId('connect').click();
  await expect(card.getByTestId('connector-state')).toHaveText('Connected');
  await expect(card.getByText('HubSpot account 777')).toBeVisible();
  // The sync runs in the background: its progress shows, then its counts.
  await expect(card.getByTestId('sync-progress')).toBeVisible();
  await expect(card.getByTestId('connector-counts')).toContainText('1,500', { timeout: 30_000 });
  await expect(card.getByTestId('sync-progress')).toHaveCount(0);
  await expect(card.locator('input[name="access_token"]')).toHaveCount(0);

  // A synced company says where its values came from.
  await page.goto(`/w/${slug}/companies?q=Origin`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Hubspot Origin Corp' }).first().click();
  await hydrated(page);
  const provenance = page.getByTestId('provenance');
  await expect(provenance).toContainText('From HubSpot (id 1000)');
  await expect(provenance).toContainText('industry');
});
