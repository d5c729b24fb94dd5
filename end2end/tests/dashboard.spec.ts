import { test, expect, hydrated, signUp } from './fixtures';

test('the dashboard is rendered with data, has tooltips, and follows changes live', async ({ page, baseURL }) => {
  const { slug } = await signUp(page, 'Dario Dashboards');
  const origin = baseURL!;
  const demo = await page.request.post('/api/create_demo_data', {
    data: { workspace: slug },
    headers: { origin },
  });
  expect(demo.ok()).toBeTruthy();

  // The server's own HTML already carries the figures and the charts (no spinner first).
  const html = await (await page.request.get(`/w/${slug}?days=365`)).text();
  expect(html).toContain('data-testid="kpis"');
  expect(html).toContain('Open pipeline');
  expect(html).toMatch(/data-testid="kpi-value"[^>]*>\$[\d.,]+[KMB]?</);
  expect(html).toContain('data-testid="chart-hit"');

  await page.goto(`/w/${slug}?days=365`);
  await hydrated(page);
  await expect(page.getByTestId('live-state')).toHaveText('Live');

  // Hovering a bar shows its tooltip.
  await page.getByTestId('chart-hit').first().hover();
  await expect(page.getByTestId('chart-tooltip').first()).toBeVisible();

  // A deal created through the API in the background changes the KPI here, no reload.
  const before = await page.getByTestId('kpi-open_pipeline').getByTestId('kpi-value').textContent();
  const pipelines = await (
    await page.request.post('/api/list_pipelines', { data: { workspace: slug }, headers: { origin } })
  ).json();
  const stage = pipelines[0].stages.find((s: { kind: string }) => s.kind === 'open');
  const created = await page.request.post('/api/create_deal', {
    data: {
      workspace: slug,
      input: { name: 'Live giant', pipeline_id: pipelines[0].id, stage_id: stage.id, amount: '250000000', currency: 'USD' },
    },
    headers: { origin },
  });
  expect(created.ok()).toBeTruthy();
  await expect(page.getByTestId('kpi-open_pipeline').getByTestId('kpi-value')).not.toHaveText(before ?? '', {
    timeout: 15_000,
  });

  // The period lives in the URL.
  await page.getByRole('link', { name: '30 days' }).click();
  await expect(page).toHaveURL(/days=30/);
  await expect(page.getByTestId('dashboard-period')).toBeVisible();
});
