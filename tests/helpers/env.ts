// Test-process environment, imported first by every helper: a fixed secret shared with the
// servers the tests start, so tokens minted here verify there.
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789-abcdefghij'

// the token issuer: every test server is given the same public URL, whatever its port
export const TEST_PUBLIC_URL = 'http://identity.test'

process.env.SESSION_SECRET = TEST_SESSION_SECRET
process.env.PUBLIC_URL = TEST_PUBLIC_URL
process.env.NODE_ENV ??= 'test'
process.env.NEXT_TELEMETRY_DISABLED = '1'
process.env.CHECKPOINT_DISABLE = '1'
