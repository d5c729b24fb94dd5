import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, hydrated, signUp } from './fixtures';

/**
 * A fake OpenAI-compatible provider in the spec: the first request of an answer calls
 * `search_companies`, the next streams an answer linking the company it found, one word
 * every 120 ms (slow enough to watch it stream and to stop it midway).
 */
async function fakeProvider(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const request = JSON.parse(body || '{}');
      const toolResult = (request.messages ?? []).find((m: { role: string }) => m.role === 'tool');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (!toolResult) {
        send({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search_companies', arguments: '{"query": "Streamline"}' } }] }, finish_reason: null }] });
        send({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
        res.end('data: [DONE]\n\n');
        return;
      }
      const found = JSON.parse(toolResult.content).companies[0];
      const words = `I found [${found.name}](${found.link}). `.split(' ').concat(Array(60).fill('more'));
      let i = 0;
      const timer = setInterval(() => {
        if (res.writableEnded || res.destroyed) return clearInterval(timer);
        if (i < words.length) {
          send({ choices: [{ index: 0, delta: { content: words[i++] + ' ' }, finish_reason: null }] });
        } else {
          clearInterval(timer);
          send({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
          res.end('data: [DONE]\n\n');
        }
      }, 120);
      // Not req's 'close': on Node 20 it fires once the request body is read, not on hang-up.
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => server.close() };
}

test('ask with a provider configured: it streams, stops midway, and links the record', async ({ page, baseURL }, testInfo) => {
  test.skip(testInfo.project.use.javaScriptEnabled === false, 'the chat needs JavaScript');
  const fake = await fakeProvider();
  try {
    const { slug } = await signUp(page, 'Chiara Chat');
    const origin = baseURL!;
    const company = await (
      await page.request.post('/api/create_company', { data: { workspace: slug, input: { name: 'Streamline Analytics' } }, headers: { origin } })
    ).json();
    const saved = await page.request.post('/api/update_ai_settings', {
      data: { workspace: slug, input: { provider: 'openai', base_url: fake.url, model: 'fake-model', api_key: 'sk-e2e' } },
      headers: { origin },
    });
    expect(saved.ok()).toBeTruthy();

    await page.goto(`/w/${slug}/chat`);
    await hydrated(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.getByTestId('chat-input').fill('Who is Streamline?');
    await page.getByTestId('chat-input').press('Enter');

    const answer = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await expect(answer.getByTestId('tool-call')).toContainText('found 1 companies');
    // It streams: the text grows while the answer is being written.
    const body = answer.getByTestId('answer-body');
    await expect(body).toContainText('I found');
    // The link is complete once its closing `)` has streamed (two words in); only then stop.
    await expect(body.getByRole('link', { name: 'Streamline Analytics' })).toBeVisible();
    const early = (await body.textContent())!.length;
    await expect.poll(async () => (await body.textContent())!.length).toBeGreaterThan(early);

    // Stop it midway: the partial answer stays, marked stopped.
    await page.getByTestId('chat-stop').click();
    await expect(answer).toHaveAttribute('data-status', 'stopped');
    const kept = await body.textContent();
    await page.waitForTimeout(500);
    expect(await body.textContent()).toBe(kept);
    expect((kept ?? '').split('more').length - 1).toBeLessThan(60);
    // The answer came on the question's own request: no second request to follow it.
    expect(requests).toContain('POST /api/chat/ask');
    expect(requests.filter((r) => r.includes('/stream'))).toEqual([]);

    // The answer links the record it used; following it opens the company.
    await body.getByRole('link', { name: 'Streamline Analytics' }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/companies/${company.id}$`));
    await expect(page.getByRole('heading', { name: 'Streamline Analytics' })).toBeVisible();
  } finally {
    fake.close();
  }
});

test('the offline analyst answers a suggested question from the data', async ({ page, baseURL }, testInfo) => {
  test.skip(testInfo.project.use.javaScriptEnabled === false, 'the chat needs JavaScript');
  const { slug } = await signUp(page, 'Otto Offline');
  const demo = await page.request.post('/api/create_demo_data', { data: { workspace: slug }, headers: { origin: baseURL! } });
  expect(demo.ok()).toBeTruthy();
  await page.goto(`/w/${slug}/chat`);
  await hydrated(page);
  await page.getByTestId('suggestion').filter({ hasText: 'Summarise the pipeline' }).click();
  const answer = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
  await expect(answer).toHaveAttribute('data-status', 'complete');
  await expect(answer.getByTestId('answer-body').locator('table')).toBeVisible();
  await expect(answer.getByTestId('tool-call')).toContainText('summarised the');
});

test('a conversation is renamed and deleted in place, without browser dialogs', async ({ page, baseURL }, testInfo) => {
  test.skip(testInfo.project.use.javaScriptEnabled === false, 'the chat needs JavaScript');
  const { slug } = await signUp(page, 'Rena Rename');
  // A browser dialog would block the page; fail loudly if one ever appears.
  page.on('dialog', (d) => {
    throw new Error(`unexpected ${d.type()} dialog: ${d.message()}`);
  });
  await page.goto(`/w/${slug}/chat`);
  await hydrated(page);
  await page.getByTestId('chat-input').fill('What can you do?');
  await page.keyboard.press('Enter');
  const item = page.getByTestId('conversation-item');
  await expect(item).toHaveCount(1);

  await item.hover();
  await item.getByTestId('rename-conversation').click();
  const input = item.getByTestId('rename-input');
  await expect(input).toBeFocused();
  await input.fill('Pipeline questions');
  await input.press('Enter');
  await expect(item).toContainText('Pipeline questions');

  // Escape leaves the title as it was.
  await item.hover();
  await item.getByTestId('rename-conversation').click();
  await item.getByTestId('rename-input').fill('Never saved');
  await item.getByTestId('rename-input').press('Escape');
  await expect(item).toContainText('Pipeline questions');

  await item.hover();
  await item.getByTestId('delete-conversation').click();
  await item.getByRole('button', { name: 'Keep' }).click();
  await expect(item).toContainText('Pipeline questions');
  await item.hover();
  await item.getByTestId('delete-conversation').click();
  await item.getByTestId('confirm-delete-conversation').click();
  await expect(page.getByTestId('conversation-item')).toHaveCount(0);
});
