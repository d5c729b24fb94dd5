import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, hydrated, signUp } from './fixtures';

/** A webhook receiver on a free local port that records what it is sent. */
async function receiver() {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
}

test('a webhook test event is delivered, logged, and its job followed live', async ({ page, consoleErrors }) => {
  const hook = await receiver();
  try {
    const { slug } = await signUp(page, 'Wendy Webhooks');
    await page.goto(`/w/${slug}/settings/webhooks`);
    await hydrated(page);

    // Bad input is reported next to the field.
    await page.getByLabel('URL').fill('ftp://nope');
    await page.getByTestId('create-webhook').click();
    await expect(page.locator('#field-url-error')).toContainText('https://');
    // The refused URL is a 422 answer, which Chromium logs; it is the expected outcome here.
    const i = consoleErrors.findIndex((e) => e.includes('status of 422'));
    if (i >= 0) consoleErrors.splice(i, 1);

    await page.getByLabel('URL').fill(hook.url);
    await page.getByLabel('Description').fill('Local receiver');
    await page.getByTestId('create-webhook').click();
    const secret = await page.getByTestId('webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    const endpoint = page.getByTestId('webhook-endpoint');
    await expect(endpoint).toContainText(hook.url);

    await page.getByTestId('test-webhook').click();
    await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBe(1);
    expect(hook.received[0].headers['x-hyperformant-event']).toBe('webhook.test');
    expect(hook.received[0].headers['x-hyperformant-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const log = page.getByTestId('webhook-deliveries');
    await expect(log).toContainText('succeeded', { timeout: 15_000 });
    await expect(log).toContainText('HTTP 200');

    // The delivery ran as a job: the jobs page lists it, the job page shows its log.
    await page.goto(`/w/${slug}/jobs`);
    await expect(page.getByTestId('jobs-table')).toContainText('Webhook delivery');
    await hydrated(page);
    await page.getByTestId('job-row').first().getByRole('link').click();
    await expect(page.getByTestId('job-status')).toContainText('succeeded');
    await expect(page.getByTestId('job-log')).toContainText('HTTP 200');
    await expect(page.getByTestId('job-percent')).toHaveText('100%');
  } finally {
    hook.close();
  }
});

test('the jobs page shows a job move as it happens', async ({ page }) => {
  const hook = await receiver();
  try {
    const { slug } = await signUp(page, 'Jonas Jobs');
    await page.goto(`/w/${slug}/jobs`);
    await expect(page.getByText('No jobs here')).toBeVisible();
    await hydrated(page);
    await expect(page.getByTestId('live-state')).toHaveText('Live');

    // Create a delivery from another tab; this page hears about it over SSE, no reload.
    const other = await page.context().newPage();
    await other.goto(`/w/${slug}/settings/webhooks`);
    await hydrated(other);
    await other.getByLabel('URL').fill(hook.url);
    await other.getByTestId('create-webhook').click();
    await expect(other.getByTestId('webhook-secret')).toBeVisible();
    const sent = other.waitForResponse((r) => r.url().endsWith('/api/test_webhook') && r.ok());
    await other.getByTestId('test-webhook').click();
    await sent;
    await other.close();

    await expect(page.getByTestId('jobs-table')).toContainText('Webhook delivery', { timeout: 15_000 });
    await expect(page.getByTestId('jobs-table')).toContainText('succeeded', { timeout: 15_000 });
  } finally {
    hook.close();
  }
});
