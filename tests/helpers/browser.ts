// The real browser of the Admin UI tests: Debian's Chromium (or CHROMIUM_PATH) through
// playwright-core, headless, with a fresh empty profile per launch and no background traffic.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { ROOT } from './server'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Why a browser test cannot run here (no Chromium, or no Admin UI build), or false. */
export function browserSkipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `needs Chromium at ${CHROMIUM}`
  if (!existsSync(path.join(ROOT, '.keystone', 'admin', '.next'))) return 'needs the Admin UI build (npm run build)'
  return false
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
