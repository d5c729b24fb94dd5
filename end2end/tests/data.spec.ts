import { test, expect, hydrated, signUp } from './fixtures';

test('create a company, find it by search, edit it', async ({ page, consoleErrors }) => {
  const { slug } = await signUp(page, 'Cora Companies');
  await page.goto(`/w/${slug}/companies`);
  await expect(page.getByText('No companies yet')).toBeVisible();
  await hydrated(page);
  await page.getByRole('link', { name: 'New company' }).first().click();
  await expect(page).toHaveURL(`/w/${slug}/companies/new`);
  await hydrated(page);

  // A bad domain is reported next to its field, and nothing is created.
  await page.getByLabel('Name').fill('Northwind Analytics');
  await page.getByLabel('Domain').fill('not a domain');
  await page.getByTestId('save-company').click();
  await expect(page.locator('#field-domain-error')).toContainText('domain');
  await expect(page).toHaveURL(`/w/${slug}/companies/new`);

  await page.getByLabel('Domain').fill('https://www.northwind.example/');
  await page.getByLabel('Industry').fill('Software');
  await page.getByLabel('Employees').fill('240');
  await page.getByTestId('save-company').click();
  await expect(page.getByTestId('company-name')).toHaveText('Northwind Analytics');
  await expect(page.getByText('northwind.example')).toBeVisible();

  // Another one, so the search has something to leave out.
  await page.goto(`/w/${slug}/companies/new`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Contoso Freight');
  await page.getByTestId('save-company').click();
  await expect(page.getByTestId('company-name')).toHaveText('Contoso Freight');

  // `/` focuses the search; typing narrows the list; the URL keeps the view.
  await page.goto(`/w/${slug}/companies`);
  await hydrated(page);
  await page.keyboard.press('/');
  await expect(page.getByTestId('list-search')).toBeFocused();
  await page.keyboard.type('northw');
  await expect(page).toHaveURL(/q=northw/);
  const table = page.getByTestId('companies-table');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText('Northwind Analytics');
  await page.reload();
  await expect(page.getByTestId('companies-table')).not.toContainText('Contoso');

  // j selects the first row, Enter opens it; then edit.
  await hydrated(page);
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('company-name')).toHaveText('Northwind Analytics');
  await hydrated(page);
  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await page.getByLabel('Name').fill('Northwind Analytics GmbH');
  await page.getByLabel('Country').fill('de');
  await page.getByTestId('save-company').click();
  await expect(page.getByTestId('company-name')).toHaveText('Northwind Analytics GmbH');
  await expect(page.getByText('DE', { exact: true }).first()).toBeVisible();

  // The refused save above was a 422 the browser logs; that is expected here.
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('status of 422')));
});

async function seedDeals(page: import('@playwright/test').Page, slug: string) {
  const api = async (endpoint: string, data: unknown) => {
    const res = await page.request.post(`/api/${endpoint}`, { data, headers: { origin: new URL(page.url()).origin } });
    expect(res.ok(), `${endpoint}: ${await res.text()}`).toBeTruthy();
    return res.json();
  };
  const pipelines = await api('list_pipelines', { workspace: slug });
  const stages = pipelines[0].stages;
  await api('create_deal', { workspace: slug, input: { name: 'Boardwalk expansion', pipeline_id: pipelines[0].id, stage_id: stages[0].id, amount: '12000' } });
  await api('create_deal', { workspace: slug, input: { name: 'Quiet renewal', pipeline_id: pipelines[0].id, stage_id: stages[0].id, amount: '3000' } });
  return stages;
}

test('move a deal across the board, and see a refused move roll back', async ({ page, consoleErrors }) => {
  const { slug } = await signUp(page, 'Ben Board');
  await seedDeals(page, slug);
  await page.goto(`/w/${slug}/deals`);
  await hydrated(page);
  const lead = page.getByTestId('column-Lead');
  const qualified = page.getByTestId('column-Qualified');
  await expect(lead.getByTestId('column-count')).toHaveText('2');

  // Drag a card to the next stage: it moves at once and stays moved after a reload.
  const card = lead.locator('[data-deal="Boardwalk expansion"]');
  // Listen before the drag: the save can finish before the assertions below do.
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/move_deal'));
  await card.dragTo(qualified);
  await expect(qualified.locator('[data-deal="Boardwalk expansion"]')).toBeVisible();
  await expect(qualified.getByTestId('column-count')).toHaveText('1');
  await expect(qualified.getByTestId('column-total')).toContainText('$12K');
  expect((await saved).ok()).toBeTruthy();
  await page.reload();
  await expect(page.getByTestId('column-Qualified').locator('[data-deal="Boardwalk expansion"]')).toBeVisible();

  // A move the server refuses shows, then rolls back with a message.
  await hydrated(page);
  await page.route('**/api/move_deal', (route) =>
    route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ code: 'conflict', message: 'the deal changed meanwhile' }) }),
  );
  const quiet = page.getByTestId('column-Lead').locator('[data-deal="Quiet renewal"]');
  await quiet.getByTestId('move-select').selectOption({ label: 'Move to Proposal' });
  await expect(page.getByTestId('move-error')).toContainText('the deal changed meanwhile');
  await expect(page.getByTestId('column-Lead').locator('[data-deal="Quiet renewal"]')).toBeVisible();
  await expect(page.getByTestId('column-Proposal').locator('[data-deal="Quiet renewal"]')).toHaveCount(0);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes('status of 409')));
});

test('import a CSV with one bad row and get the report', async ({ page }) => {
  const { slug } = await signUp(page, 'Ida Import');
  await page.goto(`/w/${slug}/import?entity=companies`);
  await hydrated(page);
  const csv = 'Company,Website,Employees,HQ Country\nAcme,acme.example,120,DE\nBroken Row,not a site,lots,Germany\nGlobex,globex.example,40,US\n';
  await page.getByTestId('import-file').setInputFiles({ name: 'companies.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('import-upload').click();
  await expect(page.getByTestId('import-preview')).toBeVisible();
  await expect(page.getByTestId('map-0')).toHaveValue('name');
  await expect(page.getByTestId('map-2')).toHaveValue('employee_count');

  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-summary')).toContainText('1 invalid');
  await expect(page.getByTestId('import-problems')).toContainText('line 3');

  // All or nothing: nothing goes in, and the report is offered.
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toContainText('Nothing was imported');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('error-report').click()]);
  const path = await download.path();
  const report = require('fs').readFileSync(path, 'utf8');
  expect(report).toContain('Broken Row');
  expect(report).not.toContain('Globex');

  // Choosing to skip the bad row imports the other two.
  await page.getByTestId('import-skip-invalid').check();
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toContainText('2 added');
  await page.goto(`/w/${slug}/companies`);
  await expect(page.getByTestId('companies-table').getByRole('row')).toHaveCount(3);
});

test('fill an empty workspace with demo data and browse it', async ({ page }) => {
  const { slug } = await signUp(page, 'Dana Demo');
  await page.goto(`/w/${slug}/companies`);
  await expect(page.getByText('No companies yet')).toBeVisible();
  await hydrated(page);
  await page.getByTestId('create-demo-data').click();
  const table = page.getByTestId('companies-table');
  await expect(table).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('No companies yet')).toHaveCount(0);
  // 50 rows a page, and the pager knows there are more.
  await expect(table.locator('tbody tr')).toHaveCount(50);

  // A company's detail shows what the generator hung off it: deals and signals.
  await table.locator('tbody tr').first().getByRole('link').first().click();
  await expect(page.getByTestId('company-name')).toBeVisible();

  // The board of the demo pipeline loads whole (a full page load, so it hydrates), each
  // column capped with a pointer to the table, and the table pages through the rest.
  await page.goto(`/w/${slug}/deals`);
  await hydrated(page);
  await expect(page.getByTestId('board')).toBeVisible();
  expect(await page.getByTestId('deal-card').count()).toBeGreaterThan(10);
  await page.getByRole('link', { name: 'table', exact: true }).click();
  await expect(page.getByTestId('deals-table')).toBeVisible();
  await expect(page.getByTestId('deals-table').locator('tbody tr')).toHaveCount(50);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('deals-table').locator('tbody tr')).toHaveCount(50);
});
