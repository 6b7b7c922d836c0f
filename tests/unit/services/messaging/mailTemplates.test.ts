// services/messaging/mailTemplates.ts: every template renders, links follow API.md §6, values are escaped,
// and other people's text (names, shop names) stays out of the subject and the first line.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { env } from '../../../../env'
import { MAIL_TEMPLATES, oneLine, quietClassOf } from '../../../../services/messaging/mailTemplates'
import { renderMail, type MailParams, type MailTemplate } from '../../../../services/messaging/mailTemplates'

const TOKEN = 'tok/en+with=odd&chars'
const EMAIL = 'a+b@example.com'
const PARAMS: MailParams = {
  redirectUrl: 'https://shop.test/account/confirm?lang=fr&ref=mail%20box',
  email: EMAIL,
  firstName: 'Casey',
  newEmail: 'new+1@example.com',
  oldEmail: 'old@example.com',
  shopName: 'Acme & Co',
}

const WITH_EMAIL_AND_TOKEN: MailTemplate[] = ['ACCOUNT_CONFIRMATION', 'PASSWORD_RESET', 'STAFF_SET_PASSWORD']
const WITH_TOKEN_ONLY: MailTemplate[] = ['EMAIL_CHANGE_CONFIRMATION', 'ACCOUNT_DELETION']
const WITHOUT_LINK: MailTemplate[] = [
  'ACCOUNT_EXISTS',
  'PASSWORD_CHANGED',
  'EMAIL_CHANGED',
  'REFRESH_TOKEN_REUSED',
  'TOTP_ENABLED',
  'TOTP_DISABLED',
  'SECOND_FACTOR_RESET',
  'RECOVERY_CODE_USED',
  'PASSKEY_ADDED',
]

// the link is the text line after the action's label
function linkIn(text: string): URL {
  const line = text.split('\n').find(candidate => candidate.startsWith('https://'))
  assert.ok(line, 'the text has a link')
  return new URL(line)
}

test('every template renders a subject, a text and an HTML body', () => {
  for (const template of MAIL_TEMPLATES) {
    // when
    const mail = renderMail(template, { params: PARAMS, secrets: { token: TOKEN } })

    // then
    assert.ok(mail.subject.length > 0, template)
    assert.ok(!mail.subject.includes(TOKEN), `${template}: no token in the subject`)
    // the greeting comes second, after the template's own fixed first line
    assert.match(mail.text, /^[A-Z][^\n]+\.\n\nHi Casey,\n/, template)
    assert.match(mail.html, /^<!doctype html>/, template)
    assert.match(mail.html, /Hi Casey,/, template)
  }
})

test('the link groups below cover every template', () => {
  assert.deepEqual([...WITH_EMAIL_AND_TOKEN, ...WITH_TOKEN_ONLY, ...WITHOUT_LINK].sort(), [...MAIL_TEMPLATES].sort())
})

test('confirmation, reset and staff links carry email and token, encoded, after the existing query', () => {
  for (const template of WITH_EMAIL_AND_TOKEN) {
    // when
    const { text, html } = renderMail(template, { params: PARAMS, secrets: { token: TOKEN } })

    // then
    const link = linkIn(text)
    assert.equal(link.origin + link.pathname, 'https://shop.test/account/confirm', template)
    assert.deepEqual(
      [...link.searchParams],
      [
        ['lang', 'fr'],
        ['ref', 'mail box'],
        ['email', EMAIL],
        ['token', TOKEN],
      ],
      template,
    )
    assert.match(link.href, /email=a%2Bb%40example\.com&token=tok%2Fen%2Bwith%3Dodd%26chars$/, template)
    assert.ok(
      html.includes(`href="${link.href.replaceAll('&', '&#38;')}"`),
      `${template}: the button links the same URL`,
    )
  }
})

test('email change and deletion links carry the token only', () => {
  for (const template of WITH_TOKEN_ONLY) {
    // when
    const { text } = renderMail(template, { params: PARAMS, secrets: { token: TOKEN } })

    // then
    const link = linkIn(text)
    assert.equal(link.searchParams.get('token'), TOKEN, template)
    assert.equal(link.searchParams.has('email'), false, template)
    assert.equal(link.searchParams.get('lang'), 'fr', template)
  }
})

test('notices carry no link and need no token', () => {
  for (const template of WITHOUT_LINK) {
    // when
    const { text, html } = renderMail(template, { params: PARAMS })

    // then
    assert.ok(!text.includes('https://'), template)
    assert.ok(!html.includes('href='), template)
  }
})

test('a token preset in redirectUrl is replaced, never doubled', () => {
  // given
  const params = { ...PARAMS, redirectUrl: 'https://shop.test/reset?token=attacker&email=x@y.z' }

  // when
  const { text } = renderMail('PASSWORD_RESET', { params, secrets: { token: TOKEN } })

  // then
  const link = linkIn(text)
  assert.deepEqual(link.searchParams.getAll('token'), [TOKEN])
  assert.deepEqual(link.searchParams.getAll('email'), [EMAIL])
})

test('the HTML escapes a script in a first name, and the text keeps it as typed, on the second line', () => {
  // given
  const params = { ...PARAMS, firstName: '<script>alert("x")</script>' }

  // when
  const { text, html } = renderMail('PASSWORD_RESET', { params, secrets: { token: TOKEN } })

  // then
  assert.ok(!html.includes('<script>'))
  assert.ok(html.includes('Hi &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;,'))
  assert.equal(text.split('\n\n')[1], 'Hi <script>alert("x")</script>,')
  assert.ok(html.includes('Acme &#38; Co'))
})

test("someone else's text never reaches the subject or the first line, and shows as one capped line", () => {
  // given: a phishing name and a shop name with line breaks, a bidirectional override and markup
  const phishing = 'Your password was reset\r\nClick https://evil.example/now\u2028\u202eBcc: all@example.com'
  const params = { ...PARAMS, firstName: `${phishing} ${'x'.repeat(200)}`, shopName: `<b>Shop</b>\r\n${phishing}` }
  for (const template of MAIL_TEMPLATES) {
    // when
    const { subject, text, html } = renderMail(template, { params, secrets: { token: TOKEN } })

    // then
    const [firstLine] = text.split('\n')
    for (const header of [subject, firstLine!]) {
      assert.doesNotMatch(header, /password was reset|evil|Shop|Casey|example\.com/i, `${template}: ${header}`)
    }
    const greeting = text.split('\n').find(line => line.startsWith('Hi '))!
    assert.equal(greeting, `Hi ${oneLine(params.firstName!, 64)},`, template)
    assert.ok([...greeting].length <= 'Hi ,'.length + 64, template)
    assert.ok(greeting.endsWith('…,'), template)
    assert.doesNotMatch(text, /\r|\u2028|\u202e/u, template)
    assert.equal(text.split('\n').filter(line => /^(Click|Bcc:)/.test(line)).length, 0, template)
    assert.ok(!html.includes('<b>Shop'), template)
    assert.match(html, /<title>[^<&]*<\/title>/, `${template}: a title of fixed words`)
  }
})

test('oneLine flattens control, format and separator characters, and caps by characters, not code units', () => {
  assert.equal(oneLine(' Ann\r\n\tMarie\u0000 \u200b Lee\u2029 ', 100), 'Ann Marie Lee')
  assert.equal(oneLine('\u202eevil', 100), 'evil')
  assert.equal(oneLine('😀'.repeat(10), 5), '😀😀😀😀…')
  assert.equal(oneLine('abc', 3), 'abc')
})

test('every template is solicited or in a quiet class: only what the recipient itself just did, or a notice about its own session, is solicited', () => {
  assert.deepEqual(Object.fromEntries(MAIL_TEMPLATES.map(template => [template, quietClassOf(template)])), {
    ACCOUNT_CONFIRMATION: 'confirmation',
    ACCOUNT_EXISTS: 'account-exists',
    PASSWORD_RESET: 'password-link',
    STAFF_SET_PASSWORD: 'password-link',
    PASSWORD_CHANGED: null,
    EMAIL_CHANGE_CONFIRMATION: 'email-change',
    EMAIL_CHANGED: null,
    ACCOUNT_DELETION: null,
    // sent once per session at most: finding the reuse ends the session it was found in
    REFRESH_TOKEN_REUSED: null,
    // security notices of a change to the account's own second factors, each made once: by the
    // holder signed in with its password (or a code), or by staff resetting them
    TOTP_ENABLED: null,
    TOTP_DISABLED: null,
    SECOND_FACTOR_RESET: null,
    RECOVERY_CODE_USED: null,
    PASSKEY_ADDED: null,
  })
})

test('the account-exists notice tells the owner to sign in or reset, and EMAIL_CHANGED names the new address', () => {
  // when
  const exists = renderMail('ACCOUNT_EXISTS', { params: { email: EMAIL } })
  const changed = renderMail('EMAIL_CHANGED', { params: { newEmail: 'new@example.com' } })

  // then
  assert.match(exists.text, /tried to register/)
  assert.match(exists.text, /sign in/)
  assert.match(exists.text, /reset your password/)
  assert.match(changed.text, /changed to new@example\.com/)
  assert.ok(changed.text.includes(`your account at ${env.shopName}`), changed.text)
  assert.equal(changed.subject, 'Your email address was changed')
})

test('a missing param or token is a bug and throws', () => {
  // when / then
  assert.throws(
    () => renderMail('PASSWORD_RESET', { params: { email: EMAIL }, secrets: { token: TOKEN } }),
    /needs param "redirectUrl"/,
  )
  assert.throws(() => renderMail('PASSWORD_RESET', { params: PARAMS }), /needs secret "token"/)
  assert.throws(() => renderMail('EMAIL_CHANGED', { params: {} }), /needs param "newEmail"/)
  assert.throws(
    () => renderMail('ACCOUNT_DELETION', { params: { redirectUrl: 'javascript:alert(1)' }, secrets: { token: TOKEN } }),
    /http/,
  )
  assert.throws(
    () => renderMail('ACCOUNT_DELETION', { params: { redirectUrl: '/relative' }, secrets: { token: TOKEN } }),
    /absolute/,
  )
})

test('a line break in a shop name reaches neither the subject header nor a line of its own', () => {
  // when
  const { subject, text } = renderMail('PASSWORD_CHANGED', { params: { shopName: 'Acme\r\nBcc: victim@example.com' } })

  // then
  assert.equal(subject, 'Your password was changed')
  assert.match(text, /your account at Acme Bcc: victim@example\.com was just changed/)
  assert.match(text, /\n-- Acme Bcc: victim@example\.com\n$/)
})
