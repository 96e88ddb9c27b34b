// Shared helpers: users and articles made through the UI, and a guard on every page that
// fails the test on a request to another host, a CSP violation, a JavaScript error or a dialog.
import { test as base, expect, type Page } from "@playwright/test";

export type User = { username: string; email: string; password: string };

let counter = 0;
export function uniqueUser(prefix = "u"): User {
  counter += 1;
  const id = `${prefix}${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { username: id, email: `${id}@example.com`, password: "password123" };
}

export async function register(page: Page, user: User): Promise<void> {
  await page.goto("/register");
  await page.fill('input[name="username"]', user.username);
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL("/"), page.click('button[type="submit"]')]);
}

export async function login(page: Page, user: Pick<User, "email" | "password">): Promise<void> {
  await page.goto("/login");
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL("/"), page.click('button[type="submit"]')]);
}

export async function logout(page: Page): Promise<void> {
  await page.goto("/settings");
  await Promise.all([page.waitForURL("/"), page.click('button:has-text("Or click here to logout")')]);
}

export type Draft = { title: string; description: string; body: string; tags: string[] };

export async function publish(page: Page, draft: Draft): Promise<string> {
  await page.goto("/editor");
  await page.fill('input[name="title"]', draft.title);
  await page.fill('input[name="description"]', draft.description);
  await page.fill('textarea[name="body"]', draft.body);
  for (const tag of draft.tags) {
    await page.fill('input[placeholder="Enter tags"]', tag);
    await page.press('input[placeholder="Enter tags"]', "Enter");
  }
  await Promise.all([page.waitForURL(/\/article\/.+/), page.click('button:has-text("Publish Article")')]);
  return new URL(page.url()).pathname.replace("/article/", "");
}

export async function newUserPage(
  browser: import("@playwright/test").Browser,
): Promise<{ page: Page; user: User; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const user = uniqueUser("b");
  await register(page, user);
  return { page, user, close: () => context.close() };
}

export const test = base.extend<{ guard: void }>({
  guard: [
    async ({ page, baseURL }, use) => {
      const own = new URL(baseURL as string).host;
      const problems: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.protocol.startsWith("http") && url.host !== own) {
          problems.push(`request to another host: ${request.url()}`);
        }
      });
      page.on("console", (message) => {
        if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) {
          problems.push(`console error: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`JavaScript error: ${error.message}`));
      page.on("dialog", async (dialog) => {
        problems.push(`a dialog opened (script ran): ${dialog.message()}`);
        await dialog.dismiss();
      });
      await use();
      expect(problems, "the page stayed on its own origin, quiet and script-safe").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
