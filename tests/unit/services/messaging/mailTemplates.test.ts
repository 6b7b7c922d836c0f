// services/messaging/mailTemplates.ts: every template renders, links follow API.md §6, values are escaped.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAIL_TEMPLATES } from '../../../../services/messaging/mailTemplates'
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
const WITHOUT_LINK: MailTemplate[] = ['ACCOUNT_EXISTS', 'PASSWORD_CHANGED', 'EMAIL_CHANGED']

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
    assert.match(mail.text, /^Hi Casey,\n/, template)
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

test('the HTML escapes a script in a first name, and the text keeps it as typed', () => {
  // given
  const params = { ...PARAMS, firstName: '<script>alert("x")</script>' }

  // when
  const { text, html } = renderMail('PASSWORD_RESET', { params, secrets: { token: TOKEN } })

  // then
  assert.ok(!html.includes('<script>'))
  assert.ok(html.includes('Hi &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;,'))
  assert.ok(text.startsWith('Hi <script>alert("x")</script>,'))
  assert.ok(html.includes('Acme &#38; Co'))
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
  assert.match(changed.subject, /our shop/)
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

test('a line break in a shop name does not reach the subject header', () => {
  // when
  const { subject } = renderMail('PASSWORD_CHANGED', { params: { shopName: 'Acme\r\nBcc: victim@example.com' } })

  // then
  assert.equal(subject, 'Your password at Acme Bcc: victim@example.com was changed')
})
