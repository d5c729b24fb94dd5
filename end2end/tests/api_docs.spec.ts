import { test, expect, hydrated, signUp } from './fixtures';

// /docs/api: the API reference for people, rendered on the server from the same document as
// /api/openapi.json. It needs no sign-in and no JavaScript to read.

test('the API reference reads without JavaScript and agrees with openapi.json', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  try {
    await page.goto('/docs/api');
    await expect(page.getByRole('heading', { name: 'Hyperformant API', level: 1 })).toBeVisible();

    const doc = await (await page.request.get('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const serverFns = Object.keys(doc.paths).filter((p) => doc.paths[p].post?.requestBody?.content?.['application/json']);
    // One card per operation, each with a curl example.
    const operations = Object.values(doc.paths).reduce<number>((n, item) => n + Object.keys(item as object).length, 0);
    await expect(page.getByTestId('api-endpoint')).toHaveCount(operations);
    await expect(page.getByTestId('curl-example')).toHaveCount(operations);
    expect(serverFns).toContain('/api/list_companies');

    // An endpoint: its fields, its answer linking to the schema, a curl example.
    const card = page.locator('#list_companies');
    await expect(card).toContainText('/api/list_companies');
    await expect(card).toContainText('workspace');
    await expect(card.getByTestId('curl-example')).toContainText('curl -s -X POST');
    await expect(card.getByTestId('curl-example')).toContainText('authorization: Bearer $TOKEN');
    await card.getByRole('link', { name: 'CompanyPage' }).click();
    await expect(page).toHaveURL(/#schema-CompanyPage$/);
    await expect(page.locator('#schema-CompanyPage')).toContainText('total_exact');

    // Areas are navigable from the side.
    await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: /^Deals and pipelines/ }).click();
    await expect(page).toHaveURL(/#area-deals-and-pipelines$/);
  } finally {
    await context.close();
  }
});

test('Settings → API tokens leads to the reference, whose curl works with a new token', async ({ page, request }) => {
  const { slug } = await signUp(page, 'Scripting Sam');
  await page.goto(`/w/${slug}/settings/tokens`);
  await hydrated(page);
  await page.getByLabel('Name').fill('docs check');
  await page.getByTestId('create-token').click();
  const token = await page.getByTestId('new-token').inputValue();
  expect(token).toMatch(/^hf_/);

  await page.getByTestId('api-docs-link').click();
  await expect(page).toHaveURL(/\/docs\/api$/);
  await expect(page.getByRole('heading', { name: 'Hyperformant API', level: 1 })).toBeVisible();
  const curl = await page.locator('#list_workspaces').getByTestId('curl-example').textContent();
  expect(curl).toContain('/api/list_workspaces');

  // What the example does, with the token just made.
  const res = await request.post('/api/list_workspaces', {
    headers: { authorization: `Bearer ${token}` },
    data: {},
  });
  expect(res.status()).toBe(200);
  const workspaces = await res.json();
  expect(workspaces.map((w: { slug: string }) => w.slug)).toEqual([slug]);
});
