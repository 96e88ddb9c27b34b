// Accessible by default: every page, signed in and out, in the light and the dark theme, has no
// serious or critical violation under axe-core (WCAG 2.2 A and AA rules, contrast included);
// and the site works from the keyboard alone.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, publish, register, test, uniqueUser } from "./fixtures";

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => {
      const where = violation.nodes.slice(0, 3).map((node) => node.target.join(" "));
      return `${violation.id} (${violation.impact}): ${violation.help} at ${where.join(", ")}`;
    });
}

async function expectAccessible(page: Page, path: string): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto(path);
    expect.soft(await seriousViolations(page), `${path} (${colorScheme})`).toEqual([]);
  }
}

test.describe("accessibility", () => {
  test("every page has no serious or critical axe violation, signed out and in, light and dark", async ({ page, browser }) => {
    test.setTimeout(120_000);
    const author = uniqueUser("a11y");
    await register(page, author);
    const tag = `a11y${Date.now().toString(36)}`;
    const slug = await publish(page, {
      title: "Accessible article",
      description: "Checked by axe",
      body: "# Heading\n\nSome *markdown* with a [link](https://example.com).\n\n> a quote",
      tags: [tag],
    });
    await page.fill('textarea[name="body"]', "A first comment");
    await page.click('button:has-text("Post Comment")');
    await expect(page.locator(".card .card-text")).toHaveText("A first comment");

    const signedIn = [
      "/",
      "/?feed=following",
      `/tag/${tag}`,
      `/article/${slug}`,
      "/editor",
      `/editor/${slug}`,
      "/settings",
      `/profile/${author.username}`,
      `/profile/${author.username}/favorites`,
      "/search?q=accessible",
      "/no-such-page",
    ];
    for (const path of signedIn) {
      await expectAccessible(page, path);
    }

    const signedOutContext = await browser.newContext(); // axe needs a page of its own context
    const visitor = await signedOutContext.newPage();
    const signedOut = [
      "/",
      `/tag/${tag}`,
      `/article/${slug}`,
      `/profile/${author.username}`,
      "/login",
      "/register",
      "/search",
      "/search?q=accessible",
      `/search?q=${"x".repeat(201)}`,
      "/no-such-page",
    ];
    for (const path of signedOut) {
      await expectAccessible(visitor, path);
    }
    // A form with its errors listed.
    for (const colorScheme of ["light", "dark"] as const) {
      await visitor.emulateMedia({ colorScheme });
      await visitor.goto("/login");
      await visitor.fill('input[name="email"]', "nobody@example.com");
      await visitor.fill('input[name="password"]', "wrong-password");
      await visitor.click('button[type="submit"]');
      await expect(visitor.locator(".error-messages")).toBeVisible();
      expect(await seriousViolations(visitor), `login errors (${colorScheme})`).toEqual([]);
    }
    await signedOutContext.close();
  });

  test("keyboard only: skip link, visible focus, labelled fields, errors announced", async ({ page }) => {
    await page.goto("/login");
    await page.keyboard.press("Tab");
    const skip = page.locator("a.skip-link");
    await expect(skip).toBeFocused();
    await expect(skip).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main")).toBeFocused();

    // Every field has a label that names it.
    await expect(page.getByLabel("Email")).toHaveAttribute("name", "email");
    await expect(page.getByLabel("Password")).toHaveAttribute("name", "password");

    // Tab to the email field: its focus ring is drawn.
    await page.getByLabel("Email").focus();
    await page.keyboard.press("Tab");
    const outline = await page.getByLabel("Password").evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");

    // Submitting with errors: the list is an alert and takes the focus, so it is read out.
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("wrong-password");
    await page.keyboard.press("Enter");
    const errors = page.locator('[role="alert"] > ul.error-messages');
    await expect(errors).toBeFocused();

    // The editor's tags can be removed from the keyboard.
    await register(page, uniqueUser("kbd"));
    await page.goto("/editor");
    await page.fill('input[placeholder="Enter tags"]', "one");
    await page.press('input[placeholder="Enter tags"]', "Enter");
    const remove = page.getByRole("button", { name: "Remove tag one" });
    await remove.focus();
    await page.keyboard.press("Enter");
    await expect(page.locator('.tag-list input[name="tagList"]')).toHaveCount(0);
  });
});
