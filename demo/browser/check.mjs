// Browser check of the demo (not part of CI): headless Chromium opens the index, pays with
// WX_NATIVE, opens the payment link (the emulator's cashier) as a phone would, pays there, and
// expects the original page to turn "paid" by itself, then the bill list to show it paid.
//
//   cd demo/browser && npm install && node check.mjs
//
// Starts the demo with `cargo run -p demo -- --port 0` unless DEMO_URL points at a running one.
// Uses the system Chromium (CHROMIUM, default /usr/bin/chromium). Screenshots go to screenshots/.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

/** Starts the demo and resolves with its URL (printed as "Demo at http://127.0.0.1:PORT/"). */
function startDemo() {
  const child = spawn("cargo", ["run", "-q", "-p", "demo", "--", "--port", "0"], {
    cwd: join(here, "..", ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error("the demo did not start within 10 minutes")), 600_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/Demo at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.on("exit", (code) => reject(new Error(`the demo exited with ${code}: ${output}`)));
  });
}

let demo = null;
const base = process.env.DEMO_URL ?? (demo = await startDemo()).url;
const profile = mkdtempSync(join(tmpdir(), "demo-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1100, height: 900 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

let failed = false;
const step = (text) => console.log(`- ${text}`);
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/`);
  await page.screenshot({ path: join(shots, "1-index.png"), fullPage: true });
  step("index shown");

  await page.getByRole("button", { name: "WX_NATIVE", exact: true }).click();
  await page.getByText("Scan to pay").waitFor();
  const billNo = await page.locator("#bill-status").getAttribute("data-bill-no");
  await page.screenshot({ path: join(shots, "2-qr-code.png"), fullPage: true });
  step(`QR page for bill ${billNo}: status "${await page.locator("#bill-status").textContent()}"`);

  // The payment link opens in a new tab, like a wallet on the payer's phone.
  const [cashier] = await Promise.all([context.waitForEvent("page"), page.locator("#open-cashier").click()]);
  await cashier.waitForLoadState();
  await cashier.screenshot({ path: join(shots, "3-cashier.png"), fullPage: true });
  step(`cashier page: ${await cashier.title()}`);
  await cashier.getByRole("button", { name: "Pay" }).click();
  await cashier.waitForURL(/\/return\//);
  await cashier.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
  await cashier.screenshot({ path: join(shots, "4-returned.png"), fullPage: true });
  step(`returned to ${new URL(cashier.url()).pathname}: "${await cashier.locator("#bill-status").textContent()}"`);

  // The original page notices by itself (it polls /bill_status).
  await page.bringToFront();
  await page.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(shots, "5-qr-page-paid.png"), fullPage: true });
  step(`QR page now says "${await page.locator("#bill-status").textContent()}"`);

  await page.goto(`${base}/op/query_bills?bill_no=${encodeURIComponent(billNo)}`);
  await page.getByRole("button", { name: "query_bills" }).click();
  await page.locator("b.ok", { hasText: "paid" }).first().waitFor();
  await page.screenshot({ path: join(shots, "6-bill-list.png"), fullPage: true });
  step("bill list shows it paid");

  await page.goto(`${base}/webhooks`);
  await page.getByText("accepted: order settled").first().waitFor();
  await page.screenshot({ path: join(shots, "7-webhooks.png"), fullPage: true });
  step("webhook page shows the verified PAY webhook");
  console.log(`OK — screenshots in ${shots}`);
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error.message}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  demo?.child.kill();
}
process.exit(failed ? 1 : 0);
