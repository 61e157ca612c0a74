// Browser check of the demo (run by .ci/run): headless Chromium opens the index, pays with
// WX_NATIVE, opens the payment link (the emulator's cashier) as a phone would, pays there, and
// expects the bill's page to turn "paid" by itself; then the bill list shows it paid, the bill is
// refunded, and the webhook page shows both pushes (PAY and REFUND) accepted. Along the way no
// page may fetch anything from outside 127.0.0.1.
//
//   cd demo/browser && npm install && node check.mjs
//
// Starts the demo with `cargo run -p demo -- --port 0` (or the binary DEMO_BIN names, as CI does:
// it has built it already) unless DEMO_URL points at a running one.
// Uses the system Chromium (CHROMIUM, default /usr/bin/chromium). Screenshots go to
// SCREENSHOTS (default demo/browser/screenshots/).

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.SCREENSHOTS ?? join(here, "screenshots");
mkdirSync(shots, { recursive: true });

/** Starts the demo and resolves with its URL (printed as "Demo at http://127.0.0.1:PORT/"). */
function startDemo() {
  const [command, args] = process.env.DEMO_BIN
    ? [process.env.DEMO_BIN, ["--port", "0"]]
    : ["cargo", ["run", "-q", "-p", "demo", "--", "--port", "0"]];
  const child = spawn(command, args, {
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

// Everything the pages load must come from this machine (the demo or its emulator).
const foreign = [];
context.on("request", (request) => {
  const url = new URL(request.url());
  if (!["data:", "about:"].includes(url.protocol) && url.hostname !== "127.0.0.1") foreign.push(request.url());
});

let failed = false;
const step = (text) => console.log(`- ${text}`);
const shot = (page, name) => page.screenshot({ path: join(shots, name), fullPage: true });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/`);
  await shot(page, "1-index.png");
  step("index shown");

  await page.getByRole("button", { name: "WX_NATIVE", exact: true }).click();
  await page.waitForURL(/\/bill\//);
  await page.locator(".qr svg").waitFor();
  const billNo = await page.locator("#bill-status").getAttribute("data-bill-no");
  await shot(page, "2-bill-qr-code.png");
  step(`bill page ${new URL(page.url()).pathname}: "${await page.locator("#bill-status").textContent()}"`);

  // The payment link opens in a new tab, like a wallet on the payer's phone.
  const [cashier] = await Promise.all([context.waitForEvent("page"), page.locator("#open-cashier").click()]);
  await cashier.waitForLoadState();
  await cashier.setViewportSize({ width: 390, height: 760 });
  await shot(cashier, "3-cashier.png");
  step(`cashier page: ${await cashier.title()}`);
  await cashier.getByRole("button", { name: /^Pay\b/ }).click();
  await cashier.waitForURL(/\/return\//);
  await cashier.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
  await shot(cashier, "4-returned.png");
  step(`returned to ${new URL(cashier.url()).pathname}: "${await cashier.locator("#bill-status").textContent()}"`);
  await cashier.close();

  // The bill's page notices by itself (it polls /bill_status): no reload.
  await page.bringToFront();
  await page.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
  await shot(page, "5-bill-paid.png");
  // The README's picture (demo/screenshots/bill-paid.png is a copy): just the page's content.
  await page.locator("main").screenshot({ path: join(shots, "readme-bill-paid.png") });
  step(`bill page now says "${await page.locator("#bill-status").textContent()}" (not reloaded)`);

  await page.goto(`${base}/op/query_bills?bill_no=${encodeURIComponent(billNo)}`);
  await page.getByRole("button", { name: "query_bills" }).click();
  const row = page.locator(".result > table tr", { hasText: billNo }).first();
  await row.locator("b.ok", { hasText: "paid" }).waitFor();
  await shot(page, "6-bill-list.png");
  step(`bill list: ${(await row.innerText()).replace(/\s+/g, " ").trim()}`);

  await row.getByRole("link", { name: "refund" }).click();
  await page.getByRole("button", { name: "refund", exact: true }).click();
  await page.locator(".result .ok", { hasText: "OK" }).waitFor();
  await shot(page, "7-refunded.png");
  step("refunded");

  // Both pushes arrive: PAY settled the bill, REFUND the refund.
  await page.goto(`${base}/webhooks`);
  for (const kind of ["PAY", "REFUND"]) {
    const push = page.locator("tr", { hasText: "accepted: order settled" }).filter({ hasText: kind });
    for (let tries = 0; (await push.count()) === 0; tries++) {
      if (tries > 50) throw new Error(`no accepted ${kind} webhook on /webhooks`);
      await page.waitForTimeout(200);
      await page.reload();
    }
  }
  await shot(page, "8-webhooks.png");
  step("webhook page shows the PAY and REFUND pushes, both accepted");

  if (foreign.length > 0) throw new Error(`pages fetched from elsewhere: ${foreign.join(", ")}`);
  step("nothing was fetched from outside 127.0.0.1");
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
