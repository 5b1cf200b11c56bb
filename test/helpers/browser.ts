import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {type BrowserContext, chromium, type Page} from 'playwright-core'

import {ROOT} from './cli.js'

/** Debian's chromium (apt-get install -y chromium); CI installs it (tests fail, never skip, without it). */
export const CHROMIUM = process.env.MCP_TEST_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots for people to look at: test-output/ (gitignored). */
export const TEST_OUTPUT = join(ROOT, 'test-output')

export interface OpenedPage {
  page: Page
  /** console.error messages and uncaught page errors. */
  errors: string[]
  /** Requests the page tried to make to anything but the file itself (must stay empty). */
  requests: string[]
}

export interface HeadlessBrowser {
  open(file: string, viewport?: {width: number; height: number}): Promise<OpenedPage>
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile, no network features, no sandbox (containers). */
export async function launchBrowser(): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'mcp-chromium-'))
  let browser: BrowserContext
  try {
    // A fresh --user-data-dir: playwright takes it as the persistent context's directory.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
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
      viewport: {width: 1280, height: 900},
      timeout: 30_000,
    })
  } catch (error) {
    rmSync(profile, {recursive: true, force: true})
    throw new Error(
      `cannot start ${CHROMIUM} (${(error as Error).message.split('\n')[0]}); install it: apt-get install -y chromium`,
    )
  }

  return {
    async open(file, viewport = {width: 1280, height: 900}) {
      const page = await browser.newPage()
      await page.setViewportSize(viewport)
      const errors: string[] = []
      const requests: string[] = []
      const url = `file://${file}`
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text())
      })
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('request', (r) => {
        if (r.url() !== url) requests.push(r.url())
      })
      await page.goto(url, {waitUntil: 'load', timeout: 30_000})
      return {page, errors, requests}
    },
    async close() {
      await browser.close()
      rmSync(profile, {recursive: true, force: true})
    },
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, {recursive: true})
  return join(TEST_OUTPUT, name)
}
