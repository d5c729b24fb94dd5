import { test, expect, hydrated, signUp } from './fixtures';

test('a report is started, followed to done, opened and its PDF downloaded', async ({ page, baseURL }) => {
  const { slug } = await signUp(page, 'Rita Reports');
  // Demo data, so the report has figures to show.
  const demo = await page.request.post('/api/create_demo_data', {
    data: { workspace: slug },
    headers: { origin: baseURL! },
  });
  expect(demo.ok()).toBeTruthy();

  await page.goto(`/w/${slug}/reports`);
  await hydrated(page);
  await page.getByTestId('report-kind').selectOption('pipeline');
  await page.getByLabel('Title (optional)').fill('Playwright pipeline review');
  await page.getByTestId('start-report').click();

  const row = page.getByTestId('report-row').filter({ hasText: 'Playwright pipeline review' });
  await expect(row).toBeVisible({ timeout: 15_000 });
  // The progress bar follows the job live until it is done.
  const bar = row.getByTestId('job-progress');
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(row).toContainText('succeeded');

  await row.getByRole('link').click();
  await expect(page.getByTestId('report-inputs')).toContainText('Pipeline review');
  // The pipeline it covers by name, not by id.
  await expect(page.getByTestId('report-inputs')).toContainText('New business');
  await expect(page.getByTestId('report-inputs')).toContainText('Written by');
  const frame = page.frameLocator('[data-testid="report-frame"]');
  await expect(frame.locator('h1')).toHaveText('Playwright pipeline review');
  await expect(frame.locator('svg').first()).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-pdf').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^playwright-pipeline-review-\d+\.pdf$/);
  const path = await download.path();
  const fs = await import('node:fs');
  expect(fs.readFileSync(path!).subarray(0, 5).toString()).toBe('%PDF-');
});
