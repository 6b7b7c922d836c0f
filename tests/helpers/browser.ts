// The real browser of the Admin UI tests: Debian's Chromium (or CHROMIUM_PATH) through
// playwright-core, headless, with a fresh empty profile per launch and no background traffic.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core'
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

/**
 * A page of its own on the Admin UI's sign-in page (where `/` sends a visitor), hydrated; every
 * console warning or error it logs is added to `problems` with the page's address.
 */
export async function openAdminSignIn(browser: Browser, serverUrl: string, problems: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'warning' || message.type() === 'error')
      problems.push(`${page.url()}: [${message.type()}] ${message.text()}`)
  })
  await page.goto(`${serverUrl}/`)
  await page.waitForURL(/\/signin/)
  // typing before React hydrates the form would be wiped by the hydration
  await page.waitForLoadState('networkidle')
  return page
}

/** Sign in on an open sign-in page and wait for the Admin UI's navigation. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByLabel('Password').first().fill(password)
  await page.getByRole('button', { name: /sign in/i }).click()
  await page.waitForURL(url => !url.pathname.includes('signin'))
  await page.getByRole('navigation').waitFor()
}
