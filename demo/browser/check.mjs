// Browser check of the demo (run by .ci/run): headless Chromium walks the merchant's loop twice,
// on a desktop (1280×900) and on a phone (390×844): the index, pay with WX_NATIVE, open the
// payment link (the emulator's cashier) as the payer's phone would and pay there, back on the
// bill's page see it turn paid and offer the refund, refund from there, see the refund listed in
// the Refunds section and on its own page, and the PAY and REFUND webhooks accepted.
// On every page of the demo: nothing wider than the window (no sideways scrolling, the page
// never zooms out on a phone), no console error, nothing fetched from outside 127.0.0.1.
//
//   cd demo/browser && npm install && node check.mjs
//
// Starts the demo with `cargo run -p demo -- --port 0` (or the binary DEMO_BIN names, as CI does:
// it has built it already) unless DEMO_URL points at a running one.
// Uses the system Chromium (CHROMIUM, default /usr/bin/chromium). Screenshots go to
// SCREENSHOTS (default demo/browser/screenshots/), named desktop-… and phone-….

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
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

const SIZES = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
];

let demo = null;
const base = process.env.DEMO_URL ?? (demo = await startDemo()).url;
const step = (size, text) => console.log(`- [${size}] ${text}`);

/** Walks the merchant's loop in one window size; throws on the first problem. */
async function merchantLoop(browser, size) {
  const { name, width, height, ...device } = size;
  const context = await browser.newContext({ viewport: { width, height }, ...device });
  const problems = [];
  // Everything the pages load must come from this machine (the demo or its emulator).
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (!["data:", "about:"].includes(url.protocol) && url.hostname !== "127.0.0.1") {
      problems.push(`fetched from elsewhere: ${request.url()}`);
    }
  });
  const watch = (page) => {
    page.on("console", (message) => {
      // The browser asks every server for /favicon.ico by itself; neither server has one.
      if (message.location().url.endsWith("/favicon.ico")) return;
      if (message.type() === "error") problems.push(`console error on ${page.url()}: ${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => problems.push(`script error on ${page.url()}: ${error.message}`));
  };
  context.on("page", watch);
  const shot = (page, label) => page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
  // No page may be wider than the window: wide tables stack or scroll inside their own box.
  const fits = async (page, label) => {
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    if (scrollWidth > innerWidth) {
      await shot(page, `too-wide-${label}`);
      throw new Error(`${label} (${new URL(page.url()).pathname}) is ${scrollWidth} px wide in a ${innerWidth} px window`);
    }
    // On a phone, what a thumb presses (buttons, the navigation, the links of list rows) is at
    // least 44 px tall.
    if (device.isMobile) {
      const small = await page.evaluate(() =>
        [...document.querySelectorAll("button, .button, header nav a, table.rows td a, .pages a")]
          .filter((element) => element.offsetParent !== null)
          .map((element) => [element.textContent.trim().slice(0, 30), element.getBoundingClientRect().height])
          .filter(([, height]) => height < 43.5),
      );
      if (small.length > 0) throw new Error(`${label}: touch targets under 44 px: ${JSON.stringify(small)}`);
    }
    await shot(page, label);
  };

  try {
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await fits(page, "1-index");
    step(name, "index shown");

    await page.getByRole("button", { name: "WX_NATIVE", exact: true }).click();
    await page.waitForURL(/\/bill\//);
    await page.locator(".qr svg").waitFor();
    const billNo = await page.locator("#bill-status").getAttribute("data-bill-no");
    await fits(page, "2-bill-qr-code");
    step(name, `bill page ${new URL(page.url()).pathname}: "${await page.locator("#bill-status").textContent()}"`);

    // The payment link opens in a new tab, like a wallet on the payer's phone.
    const [cashier] = await Promise.all([context.waitForEvent("page"), page.locator("#open-cashier").click()]);
    await cashier.waitForLoadState();
    await shot(cashier, "3-cashier");
    step(name, `cashier page: ${await cashier.title()}`);
    await cashier.getByRole("button", { name: /^Pay\b/ }).click();
    await cashier.waitForURL(/\/return\//);
    await cashier.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
    await fits(cashier, "4-returned");
    // The return page leads back to the bill.
    await cashier.getByRole("link", { name: "the bill's page" }).click();
    await cashier.waitForURL(new RegExp(`/bill/${billNo}$`));
    await cashier.close();
    step(name, "paid at the cashier; the return page links to the bill");

    // The bill's page notices by itself (it polls /bill_status) and then offers the refund.
    await page.bringToFront();
    const refundForm = page.locator('form[action="/op/refund"]');
    await refundForm.waitFor({ timeout: 15_000 });
    await page.locator("#bill-status.ok").waitFor({ timeout: 15_000 });
    await fits(page, "5-bill-paid");
    // The README's pictures (copies in demo/screenshots/): the page's content on a desktop; on a
    // phone, its first screen as the phone shows it.
    if (name === "phone") {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, "readme-phone-bill-paid.png") });
    } else {
      await page.locator("main").screenshot({ path: join(shots, "readme-bill-paid.png") });
    }
    step(name, `bill page now says "${await page.locator("#bill-status").textContent()}" and offers the refund`);

    // The Bills section lists it at once, paid.
    await page.goto(`${base}/section/bills`);
    await page.locator(".latest tr", { hasText: billNo }).locator("b.ok", { hasText: "paid" }).waitFor();
    await fits(page, "6-bills");
    step(name, "the Bills section lists the bill, paid");

    // Refund the whole bill from its page.
    await page.goto(`${base}/bill/${billNo}`);
    await refundForm.getByRole("button", { name: "Refund" }).click();
    await page.locator(".result .ok", { hasText: "OK" }).waitFor();
    await fits(page, "7-refunded");
    step(name, "refunded from the bill's page");

    // The Refunds section lists it; its row leads to the refund's own page.
    await page.goto(`${base}/section/refunds`);
    const refundRow = page.locator(".latest tr", { hasText: billNo }).first();
    await refundRow.waitFor();
    await fits(page, "8-refunds");
    await refundRow.getByRole("link", { name: "details" }).click();
    await page.waitForURL(/\/refund\//);
    await page.locator(".facts").waitFor();
    await fits(page, "9-refund");
    step(name, `refund listed; its page: ${(await page.locator(".facts").innerText()).replace(/\s+/g, " ").trim()}`);

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
    await fits(page, "10-webhooks");
    step(name, "webhook page shows the PAY and REFUND pushes, both accepted");

    // Every other page of the navigation fits too.
    const sections = await page.locator("header nav a").evaluateAll((links) => links.map((link) => link.href));
    for (const href of sections) {
      await page.goto(href);
      await fits(page, `section-${new URL(href).pathname.split("/").pop() || "index"}`);
    }
    step(name, `${sections.length} pages of the navigation fit the window`);

    if (problems.length > 0) throw new Error(problems.join("\n"));
    step(name, "every page fits the window; no console error; nothing fetched from outside 127.0.0.1");
  } finally {
    await context.close();
  }
}

let failed = false;
let browser = null;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  for (const size of SIZES) await merchantLoop(browser, size);
  console.log(`OK — screenshots in ${shots}`);
} catch (error) {
  failed = true;
  console.error(`FAILED: ${error.message}`);
} finally {
  await browser?.close();
  demo?.child.kill();
}
process.exit(failed ? 1 : 0);
