import { defineConfig } from '@playwright/test';

// The release server is started by `serve.sh` against a throwaway SQLite database (or the
// database named by E2E_DATABASE_URL) on its own port, so `make run` on :3000 can keep going.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

const chromium = {
  browserName: 'chromium' as const,
  // Playwright's own browser download is not reachable here; Debian's Chromium is.
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // One worker: the release server and Chromium share a 2-core machine; timing-sensitive
  // steps (debounced search, drag and drop) stay far from their timeouts this way.
  // Concurrent renders are covered by server/tests/api/spine.rs.
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  // No retries: a test that passes only sometimes is a bug to find (the last one was a
  // page render that ran part of itself twice; see server/src/request_owner.rs and
  // backend::auth::PageSession).
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', use: { ...chromium } },
    {
      // Progressive enhancement: the server-rendered pages must show and link without JS.
      name: 'chromium-no-js',
      use: { ...chromium, javaScriptEnabled: false },
      testMatch: /navigation\.spec\.ts/,
    },
  ],
  webServer: {
    command: 'bash ./serve.sh',
    url: `${baseURL}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { E2E_PORT: String(port) },
  },
});
