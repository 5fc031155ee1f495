// Screenshots for the README from a running `scripts/develop` (not needed by CI or tests).
//
//   scripts/develop --reset &                       # wait for "Home Assistant: http://..."
//   npm install --prefix /tmp/shots playwright-core # once; Chromium from Debian: apt-get install chromium
//   NODE_PATH=/tmp/shots/node_modules node scripts/lib/screenshots.cjs
//
// Env: BASE (http://127.0.0.1:8123), CONTROL (the simulator's control API, http://127.0.0.1:8775),
// OUT (docs/images), CHROMIUM (/usr/bin/chromium).
const { chromium } = require("playwright-core");
const path = require("node:path");

const BASE = process.env.BASE || "http://127.0.0.1:8123";
const CONTROL = process.env.CONTROL || "http://127.0.0.1:8775";
const OUT = process.env.OUT || path.join(__dirname, "..", "..", "docs", "images");

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    await page.goto(BASE);
    await page.locator('input[name="username"]').fill("dev");
    await page.locator('input[name="password"]').fill("dev");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("home-assistant")?.hass?.connected);

    // Some traffic, so that the device page shows counters and events.
    await page.evaluate(async () => {
      const hass = document.querySelector("home-assistant").hass;
      const time = new Date().toLocaleTimeString("en-GB");
      for (const message of ["Front door opened", "Washing machine finished"]) {
        await hass.callService("smscentre", "send_sms", {
          recipients: "+7 999 123-45-67",
          message: `${message} at ${time}`, // the same text twice a minute is refused
        });
      }
    });
    await fetch(`${CONTROL}/deliver`, {
      method: "POST",
      body: JSON.stringify({ source: "79995556677", destination: "HomeDev", text: "heating on" }),
    });
    await page.waitForTimeout(1500);

    const deviceId = await page.evaluate(() => {
      const hass = document.querySelector("home-assistant").hass;
      return Object.values(hass.devices).find((d) =>
        d.identifiers.some(([domain]) => domain === "smscentre"),
      )?.id;
    });
    await page.goto(`${BASE}/config/devices/device/${deviceId}`);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(OUT, "device.png") });

    await page.goto(`${BASE}/config/integrations/dashboard`);
    await page.waitForTimeout(1500);
    await page.setViewportSize({ width: 1280, height: 1180 });
    await page.goto(`${BASE}/config/integrations/dashboard/add?domain=smscentre`);
    await page.getByRole("button", { name: "OK" }).click(); // "Do you want to set up ...?"
    await page.getByText("Connect to SMS Center").waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(OUT, "config_flow.png") });
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
