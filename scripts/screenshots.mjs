// `make screenshots`: the README's pictures of the web app, from headless Chromium.
// scripts/dev.py serves a seeded database and passes its URL; the PNGs land in docs/.
import { chromium } from "playwright-core";

const base = process.env.SCREENSHOT_BASE_URL;
const slug = process.env.SCREENSHOT_ARTICLE;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const shots = [
  ["home", "/", "light"],
  ["article", `/article/${slug}`, "light"],
  ["search", "/search?q=cache+index", "light"],
  ["article-dark", `/article/${slug}`, "dark"],
];
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
for (const [name, path, colorScheme] of shots) {
  await page.emulateMedia({ colorScheme });
  await page.goto(base + path);
  await page.screenshot({ path: `docs/screenshot-${name}.png` });
  console.log(`docs/screenshot-${name}.png <- ${path} (${colorScheme})`);
}
await browser.close();
