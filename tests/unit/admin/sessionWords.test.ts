// admin/views/sessionWords.ts: the device and the sign-in method of a session as the sessions
// table on a user's page shows them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deviceOf, signInMethodsOf } from '../../../admin/views/sessionWords'

test('each sign-in method reads as a word, two factors last', () => {
  assert.equal(signInMethodsOf(['pwd']), 'Password')
  assert.equal(signInMethodsOf(['pwd', 'otp', 'mfa']), 'Password, One-time code, Two factors')
  assert.equal(signInMethodsOf(['mfa', 'hwk']), 'Passkey, Two factors')
  assert.equal(signInMethodsOf(['ext']), 'Identity provider')
  assert.equal(signInMethodsOf(['imp']), 'Impersonation')
  // a method a later issue adds reads as itself until it has a word; none at all says so
  assert.equal(signInMethodsOf(['sms']), 'sms')
  assert.equal(signInMethodsOf([]), 'Unknown')
})

test('a device reads as its browser and system where its user agent names them', () => {
  const chrome =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
  assert.equal(deviceOf(chrome), 'Chrome 131 on Windows 10')
  const iphone =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
  assert.equal(deviceOf(iphone), 'Mobile Safari 17 on iOS 17.5, iPhone')
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
  assert.equal(deviceOf(firefox), 'Firefox 128 on Linux')
})

test('a user agent no parser knows is its text, cut to 80 characters; none reads as an unknown device', () => {
  assert.equal(deviceOf('curl/8.5.0'), 'curl/8.5.0')
  assert.equal(deviceOf('x'.repeat(80)), 'x'.repeat(80))
  const long = `ShopApp/2.1 ${'y'.repeat(100)}`
  const shown = deviceOf(long)
  assert.equal(shown.length, 80)
  assert.ok(shown.endsWith('…'))
  assert.ok(long.startsWith(shown.slice(0, -1)))
  assert.equal(deviceOf(''), 'Unknown device')
  assert.equal(deviceOf('   '), 'Unknown device')
})
