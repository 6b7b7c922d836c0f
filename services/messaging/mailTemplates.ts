// Mail templates: the subject, plain text and HTML of every mail in MAIL_TEMPLATES. Owns the link
// shapes of API.md §6 (`redirectUrl?email=&token=`, `redirectUrl?token=`), which templates are
// unsolicited (and so quiet per recipient, outbox.ts), and what other people's text may do in a mail:
// names and shop names are someone's free text (an attacker names an account "Your password was
// reset, click…" and makes it mail a victim), so each is cut to one line of printable text, capped,
// HTML-escaped, and kept out of the subject and the first line, which are fixed words per template.
// Subjects never carry a secret, since they are stored in clear. A missing param or secret is a bug
// in the caller, so it throws a plain Error.
import { env } from '../../env'

export const MAIL_TEMPLATES = [
  'ACCOUNT_CONFIRMATION',
  'ACCOUNT_EXISTS',
  'PASSWORD_RESET',
  'STAFF_SET_PASSWORD',
  'PASSWORD_CHANGED',
  'EMAIL_CHANGE_CONFIRMATION',
  'EMAIL_CHANGED',
  'ACCOUNT_DELETION',
  'REFRESH_TOKEN_REUSED',
  'TOTP_ENABLED',
  'TOTP_DISABLED',
  'SECOND_FACTOR_RESET',
  'RECOVERY_CODE_USED',
  'PASSKEY_ADDED',
] as const

export type MailTemplate = (typeof MAIL_TEMPLATES)[number]

export type MailParams = {
  redirectUrl?: string
  email?: string
  firstName?: string
  newEmail?: string
  oldEmail?: string
  shopName?: string
}

export type MailSecrets = { token?: string }

export type RenderedMail = { subject: string; text: string; html: string }

// Who may make a mail go to an address. Solicited: only the address's own account, signed in, about
// what it just did itself (a password change, an email change it confirmed from the new mailbox, a
// deletion it asked for), or about one of its own sessions (a refresh token reused: at most one mail
// a session, since finding the reuse ends it). Unsolicited: someone else names the address, and may do so again and again:
// anyone (a registration, a taken-email notice, a reset request by whoever knows the email, an
// email change of another account to it) or staff (an invite, a reset or confirmation sent from the
// Admin UI, a customer created with a link). Each unsolicited template belongs to a quiet class:
// a recipient gets at most one mail of a class per quiet period (outbox.ts enqueueMail).
export const QUIET_CLASSES = ['account-exists', 'confirmation', 'password-link', 'email-change'] as const
export type QuietClass = (typeof QUIET_CLASSES)[number]

const QUIET_CLASS_OF: Record<MailTemplate, QuietClass | 'solicited'> = {
  ACCOUNT_CONFIRMATION: 'confirmation',
  ACCOUNT_EXISTS: 'account-exists',
  PASSWORD_RESET: 'password-link',
  STAFF_SET_PASSWORD: 'password-link',
  EMAIL_CHANGE_CONFIRMATION: 'email-change',
  PASSWORD_CHANGED: 'solicited',
  EMAIL_CHANGED: 'solicited',
  ACCOUNT_DELETION: 'solicited',
  // once per session at most: reuse ends the session it was found in
  REFRESH_TOKEN_REUSED: 'solicited',
  // security notices of what the account's holder did itself, signed in with its password (or, for
  // a reset, what staff did to it): each follows a change that a repeat cannot make again
  TOTP_ENABLED: 'solicited',
  TOTP_DISABLED: 'solicited',
  SECOND_FACTOR_RESET: 'solicited',
  RECOVERY_CODE_USED: 'solicited',
  PASSKEY_ADDED: 'solicited',
}

/** The quiet class of an unsolicited template, or null for a solicited one. */
export function quietClassOf(template: MailTemplate): QuietClass | null {
  const quietClass = QUIET_CLASS_OF[template]
  return quietClass === 'solicited' ? null : quietClass
}

// Who made an unsolicited mail go: anyone at all (anonymous, or another customer), or a member of
// staff, who is signed in, recorded as the actor, and told when a send is refused. Each has its own
// quiet period, so a customer's own request never silences support, nor support the customer.
export const MAIL_REQUESTERS = ['anyone', 'staff'] as const
export type MailRequester = (typeof MAIL_REQUESTERS)[number]

export const QUIET_PERIOD_SECONDS: Record<MailRequester, number> = { anyone: 15 * 60, staff: 60 }

type Action = { label: string; url: string }
// subject and headline are fixed words: no param, no shop name, nothing anyone else typed
type Content = { subject: string; headline: string; before: string[]; action?: Action; after: string[] }

type Fill = {
  shop: string
  param: (name: keyof MailParams) => string
  token: () => string
  link: (query: Record<string, string>) => string
}

// how much of someone's free text a mail shows, in characters
const MAX_NAME_IN_MAIL = 64
const MAX_SHOP_NAME_IN_MAIL = 100

const TEMPLATES: Record<MailTemplate, (fill: Fill) => Content> = {
  ACCOUNT_CONFIRMATION: ({ shop, param, token, link }) => ({
    subject: 'Confirm your account',
    headline: 'Account confirmation: someone signed up with this email address and asked us to confirm it.',
    before: [
      `Thanks for signing up at ${shop}. Please confirm that ${param('email')} is your email address to activate your account.`,
    ],
    action: { label: 'Confirm my account', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not sign up, you can ignore this email.'],
  }),
  ACCOUNT_EXISTS: ({ shop, param }) => ({
    subject: 'Someone tried to register with your email address',
    headline: 'Sign-up notice: someone tried to register a new account with this email address.',
    before: [
      `Someone tried to register a new account at ${shop} with your address, ${param('email')}. You already have an account with it, so no second one was created.`,
      'If it was you, sign in with your password, or reset your password if you have forgotten it.',
    ],
    after: ['If it was not you, you can ignore this email; your account is unchanged.'],
  }),
  PASSWORD_RESET: ({ shop, param, token, link }) => ({
    subject: 'Reset your password',
    headline: 'Password reset: a link to choose a new password was requested for the account with this email address.',
    before: [`We received a request to reset the password of your account at ${shop} (${param('email')}).`],
    action: { label: 'Choose a new password', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not ask for this, you can ignore this email; your password stays as it is.'],
  }),
  STAFF_SET_PASSWORD: ({ shop, param, token, link }) => ({
    subject: 'Set your staff password',
    headline: 'Staff account: a link to set the password of the staff account with this email address.',
    before: [`Set a password for your staff account at ${shop} (${param('email')}) to sign in to the dashboard.`],
    action: { label: 'Set my password', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not expect this email, you can ignore it.'],
  }),
  PASSWORD_CHANGED: ({ shop }) => ({
    subject: 'Your password was changed',
    headline: 'Security notice: the password of your account was just changed.',
    before: [`The password of your account at ${shop} was just changed.`],
    after: [
      'If you made this change, there is nothing more to do. If you did not, reset your password right away and contact us.',
    ],
  }),
  EMAIL_CHANGE_CONFIRMATION: ({ shop, param, token, link }) => ({
    subject: 'Confirm your new email address',
    headline: 'Email address confirmation: the holder of an account asked to move it to this email address.',
    before: [
      `An account at ${shop} asked to use ${param('newEmail')} as its email address. If that was you, confirm it to complete the change.`,
    ],
    action: { label: 'Confirm my new address', url: link({ token: token() }) },
    after: [
      'If you did not ask for this, you can ignore this email; no account uses this address until it is confirmed.',
    ],
  }),
  EMAIL_CHANGED: ({ shop, param }) => ({
    subject: 'Your email address was changed',
    headline: 'Security notice: the email address of your account was changed.',
    before: [
      `The email address of your account at ${shop} was changed to ${param('newEmail')}. Mails about your account now go there.`,
    ],
    after: ['If you did not make this change, contact us right away.'],
  }),
  ACCOUNT_DELETION: ({ shop, token, link }) => ({
    subject: 'Confirm the deletion of your account',
    headline: 'Account deletion: you asked to delete your account.',
    before: [`You asked to delete your account at ${shop}. Once confirmed, the deletion cannot be undone.`],
    action: { label: 'Delete my account', url: link({ token: token() }) },
    after: ['If you did not ask for this, ignore this email and change your password: your account stays as it is.'],
  }),
  REFRESH_TOKEN_REUSED: ({ shop }) => ({
    subject: 'Your account was used from another device',
    headline: 'Security notice: your account was used from another device, and we signed that session out.',
    before: [
      `A sign-in to your account at ${shop} was used from two devices at once, which means someone else may hold a copy of it. We signed that session out everywhere.`,
    ],
    after: ['If you did not expect this, change your password and sign out of the sessions you do not recognise.'],
  }),
  TOTP_ENABLED: ({ shop }) => ({
    subject: 'Two-step sign-in is on',
    headline: 'Security notice: two-step sign-in with an authenticator app was turned on for your account.',
    before: [`From now on, signing in to your account at ${shop} asks for a code from your authenticator app.`],
    after: ['If you did not do this, reset your password right away and contact us.'],
  }),
  TOTP_DISABLED: ({ shop }) => ({
    subject: 'Two-step sign-in is off',
    headline: 'Security notice: two-step sign-in with an authenticator app was turned off for your account.',
    before: [`Signing in to your account at ${shop} no longer asks for a code from your authenticator app.`],
    after: ['If you did not do this, reset your password right away and contact us.'],
  }),
  SECOND_FACTOR_RESET: ({ shop }) => ({
    subject: 'Your two-step sign-in was reset',
    headline: 'Security notice: our staff reset the two-step sign-in of your account, and signed you out everywhere.',
    before: [
      `At your request, our staff turned off the authenticator app and recovery codes of your account at ${shop}. Sign in with your password and set up two-step sign-in again.`,
    ],
    after: ['If you did not ask for this, reset your password right away and contact us.'],
  }),
  RECOVERY_CODE_USED: ({ shop }) => ({
    subject: 'A recovery code was used',
    headline: 'Security notice: one of your recovery codes was just used to sign in.',
    before: [`A recovery code was used to sign in to your account at ${shop}. It cannot be used again.`],
    after: ['If this was not you, reset your password and make new recovery codes right away.'],
  }),
  PASSKEY_ADDED: ({ shop }) => ({
    subject: 'A passkey was added to your account',
    headline: 'Security notice: a new passkey can now sign in to your account.',
    before: [`A passkey was added to your account at ${shop}. It signs in without a password.`],
    after: ['If you did not add it, remove it from your account and reset your password right away.'],
  }),
}

/** Render one mail; throws on a missing required param or secret. */
export function renderMail(
  template: MailTemplate,
  { params = {}, secrets = {} }: { params?: MailParams; secrets?: MailSecrets } = {},
): RenderedMail {
  const build = TEMPLATES[template]
  if (!build) throw new Error(`mail template ${template} does not exist`)
  const param = (name: keyof MailParams): string => {
    const value = params[name]
    if (typeof value !== 'string' || value === '') throw new Error(`mail template ${template} needs param "${name}"`)
    // addresses are validated upstream; one line of printable text whatever a stored row holds
    return name === 'redirectUrl' ? value : oneLine(value, Infinity)
  }
  const token = (): string => {
    if (typeof secrets.token !== 'string' || secrets.token === '')
      throw new Error(`mail template ${template} needs secret "token"`)
    return secrets.token
  }
  // the channel's name when the request named one, else the shop's (SHOP_NAME, as the public pages)
  const shopName = oneLine(params.shopName || env.shopName, MAX_SHOP_NAME_IN_MAIL)
  const firstName = params.firstName ? oneLine(params.firstName, MAX_NAME_IN_MAIL) : ''
  const content = build({
    shop: shopName,
    param,
    token,
    link: query => buildLink(template, param('redirectUrl'), query),
  })
  // WARNING: the greeting carries a name someone else may have chosen: never the first line
  const greeting = firstName ? `Hi ${firstName},` : 'Hello,'
  return {
    subject: content.subject,
    text: renderText(greeting, content, shopName),
    html: renderHtml(greeting, content, shopName),
  }
}

/**
 * Someone's free text as a mail may show it: control, format (bidirectional overrides, zero-width)
 * and line-separator characters become spaces, runs of white space one space, and past `max`
 * characters it is cut with an ellipsis. Escaping for HTML is renderHtml's.
 */
export function oneLine(value: string, max: number): string {
  const flat = value
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
  const characters = [...flat]
  return characters.length <= max
    ? flat
    : `${characters
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`
}

// query parameters are added to whatever redirectUrl already carries, each URL-encoded; a
// parameter of ours replaces one of the same name, so a crafted redirectUrl cannot pre-set a token
function buildLink(template: MailTemplate, redirectUrl: string, query: Record<string, string>): string {
  let url: URL
  try {
    url = new URL(redirectUrl)
  } catch {
    throw new Error(`mail template ${template}: redirectUrl is not an absolute URL`)
  }
  // redirectUrl is checked against ALLOWED_CLIENT_HOSTS upstream; this only keeps scripts out of hrefs
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`mail template ${template}: redirectUrl must be http(s)`)
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
  return url.toString()
}

function renderText(greeting: string, { headline, before, action, after }: Content, signature: string): string {
  const blocks = [headline, greeting, ...before]
  if (action) blocks.push(`${action.label}:\n${action.url}`)
  blocks.push(...after)
  if (signature) blocks.push(`-- ${signature}`)
  return blocks.join('\n\n') + '\n'
}

function renderHtml(
  greeting: string,
  { subject, headline, before, action, after }: Content,
  signature: string,
): string {
  const paragraph = (text: string) => `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 18px;background:#1f2937;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(action.label)}</a></p>\n` +
      `<p style="margin:0 0 16px;font-size:13px;color:#6b7280">If the button does not work, paste this address into your browser:<br>${escapeHtml(action.url)}</p>`
    : ''
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f9fafb">',
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#111827">',
    `<p style="margin:0 0 16px;font-weight:bold">${escapeHtml(headline)}</p>`,
    paragraph(greeting),
    ...before.map(paragraph),
    button,
    ...after.map(paragraph),
    signature ? `<p style="margin:24px 0 0;color:#6b7280">${escapeHtml(signature)}</p>` : '',
    '</div></body></html>',
  ].join('\n')
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
}
