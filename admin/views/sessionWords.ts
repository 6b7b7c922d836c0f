// How a session of the sessions table (admin/views/sessions.tsx) reads to a support agent: its
// device and how it signed in, in words. Plain functions, no React.

// no user-agent parser is installed: a user agent reads as its first characters (the table shows
// the whole of it under the pointer)
const DEVICE_LENGTH = 80

/** The device of a session, shortened to a readable line. */
export function deviceOf(userAgent: string): string {
  const trimmed = userAgent.trim()
  if (!trimmed) return 'Unknown device'
  return trimmed.length > DEVICE_LENGTH ? `${trimmed.slice(0, DEVICE_LENGTH - 1).trimEnd()}…` : trimmed
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
