// How a session of the sessions table (admin/views/sessions.tsx) reads to a support agent: its
// device and how it signed in, in words. Plain functions, no React.
import { UAParser } from 'ua-parser-js'

// a user agent reads as its browser and system ("Mobile Safari 17 on iOS 17.5, iPhone"), through
// ua-parser-js; one no parser knows (curl, an app's own) reads as its first characters. The table
// shows the whole of it under the pointer.
const DEVICE_LENGTH = 80

/** The device of a session, in words where its user agent names a browser, else shortened. */
export function deviceOf(userAgent: string): string {
  const trimmed = userAgent.trim()
  if (!trimmed) return 'Unknown device'
  const { browser, os, device } = new UAParser(trimmed).getResult()
  if (browser.name) {
    const app = browser.major ? `${browser.name} ${browser.major}` : browser.name
    const system = os.name ? ` on ${os.version ? `${os.name} ${os.version}` : os.name}` : ''
    const hardware = device.model ? `, ${device.model}` : ''
    return shortened(`${app}${system}${hardware}`)
  }
  return shortened(trimmed)
}

function shortened(text: string): string {
  return text.length > DEVICE_LENGTH ? `${text.slice(0, DEVICE_LENGTH - 1).trimEnd()}…` : text
}

// how a session signed in (API.md §9: RFC 8176's methods and our own), in words
const METHOD_WORDS: Record<string, string> = {
  pwd: 'Password',
  otp: 'One-time code',
  hwk: 'Passkey',
  mfa: 'Two factors',
  ext: 'Identity provider',
  imp: 'Impersonation',
}

/** How a session signed in, in words: its methods in the order given, "Two factors" last. */
export function signInMethodsOf(amr: readonly string[]): string {
  const ordered = [...amr.filter(method => method !== 'mfa'), ...amr.filter(method => method === 'mfa')]
  return ordered.map(method => METHOD_WORDS[method] ?? method).join(', ') || 'Unknown'
}
