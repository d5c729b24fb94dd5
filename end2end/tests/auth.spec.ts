import { test, expect, hydrated, signUp, uniqueEmail, PASSWORD } from './fixtures';

test('sign up, sign out, sign in again', async ({ page }) => {
  const { email, slug } = await signUp(page, 'Ada Lovelace');
  await expect(page.getByTestId('current-workspace')).toHaveText("Ada's workspace");
  await hydrated(page);

  await page.getByTestId('user-menu').locator('summary').click();
  await expect(page.getByTestId('user-email')).toHaveText(email);
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login\?notice=signed_out/);
  await expect(page.getByText('You are signed out.')).toBeVisible();

  // The workspace is closed to the signed-out browser.
  await page.goto(`/w/${slug}`);
  await expect(page).toHaveURL(/\/login\?next=/);

  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Wrong e-mail or password.')).toBeVisible();

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back where the browser wanted to go.
  await expect(page).toHaveURL(`/w/${slug}`);
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
});

test('create a workspace, invite someone by link, switch workspaces', async ({ page, browser }) => {
  await signUp(page, 'Olga Owner');
  await hydrated(page);

  // A second workspace.
  await page.getByTestId('workspace-switcher').locator('summary').click();
  await page.getByRole('link', { name: 'New workspace' }).click();
  await expect(page).toHaveURL('/workspaces/new');
  await hydrated(page);
  const teamSlug = `team-${Date.now().toString(36)}`;
  await page.getByLabel('Name', { exact: true }).fill('Team Two');
  await page.getByLabel('URL name (optional)').fill(teamSlug);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(`/w/${teamSlug}`);
  await expect(page.getByTestId('current-workspace')).toHaveText('Team Two');

  // An invitation link for a member.
  await page.goto(`/w/${teamSlug}/settings/members`);
  await hydrated(page);
  await page.getByTestId('invite-role').selectOption('member');
  await page.getByTestId('create-invitation').click();
  const link = await page.getByTestId('invitation-url').inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);

  // Someone else opens it in their own browser and joins.
  const other = await browser.newContext();
  const guest = await other.newPage();
  await guest.goto(link);
  await expect(guest.getByTestId('invite-workspace')).toHaveText('Team Two');
  await guest.getByRole('link', { name: 'Create an account to join' }).click();
  await guest.getByLabel('Your name').fill('Gus Guest');
  await guest.getByLabel('E-mail').fill(uniqueEmail('gus'));
  await guest.getByLabel('Password').fill(PASSWORD);
  await guest.getByRole('button', { name: 'Create account' }).click();
  await expect(guest).toHaveURL(`/w/${teamSlug}`);
  await expect(guest.getByTestId('current-workspace')).toHaveText('Team Two');
  await other.close();

  // The owner sees the new member, and switches back to the first workspace.
  await page.reload();
  await expect(page.getByTestId('member-rows')).toContainText('Gus Guest');
  await hydrated(page);
  await page.getByTestId('workspace-switcher').locator('summary').click();
  await page.getByTestId('workspace-switcher').getByRole('link', { name: /Olga's workspace/ }).click();
  await expect(page.getByTestId('current-workspace')).toHaveText("Olga's workspace");
});

test('an API token is shown once, listed by prefix, and revoked', async ({ page, request }) => {
  const { slug } = await signUp(page, 'Tess Token');
  await page.goto(`/w/${slug}/settings/tokens`);
  await page.getByLabel('Name').fill('Nightly export');
  await page.getByTestId('create-token').click();
  const token = await page.getByTestId('new-token').inputValue();
  expect(token).toMatch(/^hf_[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole('row', { name: /Nightly export/ });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).not.toContainText(token);

  // It works from a script…
  const ok = await request.post('/api/list_members', {
    headers: { authorization: `Bearer ${token}` },
    data: { workspace: slug },
  });
  expect(ok.status()).toBe(200);

  // …until it is revoked.
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  const refused = await request.post('/api/list_members', {
    headers: { authorization: `Bearer ${token}` },
    data: { workspace: slug },
  });
  expect(refused.status()).toBe(401);
});
