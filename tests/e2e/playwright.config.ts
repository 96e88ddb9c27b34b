// The browser tests of the web app: Debian's Chromium driven by @playwright/test, against
// gunicorn with production settings on PostgreSQL (scripts/dev.py starts it and sets
// E2E_BASE_URL). Playwright's own browser downloads are never used.
import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

const baseURL = process.env.E2E_BASE_URL;
if (!baseURL) {
  throw new Error("E2E_BASE_URL is not set: run the browser tests with `make test`");
}
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
  );
}

export default defineConfig({
  testDir: ".",
  outputDir: "../../.data/e2e-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      // Closed network here: no background calls to Google's hosts.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
