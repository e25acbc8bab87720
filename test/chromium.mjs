// The one way tests start Chromium. Where the browser comes from, in order: CHROMIUM_PATH when
// set, Debian's /usr/bin/chromium when present, else the copy inside the @sparticuz/chromium npm
// package (a dev dependency), so `npm ci && npm test` needs nothing but Node and npm.
import { existsSync } from "node:fs";

/** Our own flags (not @sparticuz/chromium's `args`, which turn off web security). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The path of a Chromium binary; throws (never skips) when none can be had. */
export async function chromiumExecutable() {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH is ${given}, which does not exist`);
    return given;
  }
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  const { default: packaged } = await import("@sparticuz/chromium");
  // Extracts the compressed browser into the temp directory the first time (~2 s), then reuses it.
  return packaged.executablePath();
}

/** Launches Chromium with playwright-core. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: await chromiumExecutable(), args: CHROMIUM_FLAGS });
}
