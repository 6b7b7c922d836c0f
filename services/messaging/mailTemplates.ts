// Mail templates: the subject, plain text and HTML of every mail in MAIL_TEMPLATES. Owns the link
// shapes of API.md §6 (`redirectUrl?email=&token=`, `redirectUrl?token=`) and escaping: every
// interpolated value is HTML-escaped. Subjects never carry a secret, since they are stored in clear.
// A missing param or secret is a bug in the caller, so it throws a plain Error. Also which templates
// are notices, limited to one per recipient per quiet period.

export const MAIL_TEMPLATES = [
  'ACCOUNT_CONFIRMATION',
  'ACCOUNT_EXISTS',
  'PASSWORD_RESET',
  'STAFF_SET_PASSWORD',
  'PASSWORD_CHANGED',
  'EMAIL_CHANGE_CONFIRMATION',
  'EMAIL_CHANGED',
  'ACCOUNT_DELETION',
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

type Action = { label: string; url: string }
type Content = { subject: string; before: string[]; action?: Action; after: string[] }

type Fill = {
  shop: string
  param: (name: keyof MailParams) => string
  token: () => string
  link: (query: Record<string, string>) => string
}

const DEFAULT_SHOP_NAME = 'our shop'

// Notices tell an address's owner what someone else just did with it, and anyone can do that again
// and again (accountRegister on a taken email, an email change to it); each recipient gets at most
// one of each per quiet period, claimed when it is enqueued (outbox.ts, rateLimits.ts). Saleor-like.
export const NOTICE_QUIET_PERIOD_SECONDS = 15 * 60
const NOTICE_TEMPLATES: ReadonlySet<MailTemplate> = new Set<MailTemplate>(['ACCOUNT_EXISTS'])

/** Tell whether a template is a notice, sent to a recipient at most once per quiet period. */
export function isNotice(template: MailTemplate): boolean {
  return NOTICE_TEMPLATES.has(template)
}

const TEMPLATES: Record<MailTemplate, (fill: Fill) => Content> = {
  ACCOUNT_CONFIRMATION: ({ shop, param, token, link }) => ({
    subject: `Confirm your account at ${shop}`,
    before: [
      `Thanks for signing up at ${shop}. Please confirm that ${param('email')} is your email address to activate your account.`,
    ],
    action: { label: 'Confirm my account', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not sign up, you can ignore this email.'],
  }),
  ACCOUNT_EXISTS: ({ shop, param }) => ({
    subject: `Someone tried to register at ${shop} with your address`,
    before: [
      `Someone tried to register a new account at ${shop} with your address, ${param('email')}. You already have an account with it, so no second one was created.`,
      'If it was you, sign in with your password, or reset your password if you have forgotten it.',
    ],
    after: ['If it was not you, you can ignore this email; your account is unchanged.'],
  }),
  PASSWORD_RESET: ({ shop, param, token, link }) => ({
    subject: `Reset your password at ${shop}`,
    before: [`We received a request to reset the password of your account at ${shop} (${param('email')}).`],
    action: { label: 'Choose a new password', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not ask for this, you can ignore this email; your password stays as it is.'],
  }),
  STAFF_SET_PASSWORD: ({ shop, param, token, link }) => ({
    subject: `Set your staff password at ${shop}`,
    before: [`Set a password for your staff account at ${shop} (${param('email')}) to sign in to the dashboard.`],
    action: { label: 'Set my password', url: link({ email: param('email'), token: token() }) },
    after: ['If you did not expect this email, you can ignore it.'],
  }),
  PASSWORD_CHANGED: ({ shop }) => ({
    subject: `Your password at ${shop} was changed`,
    before: [`The password of your account at ${shop} was just changed.`],
    after: [
      'If you made this change, there is nothing more to do. If you did not, reset your password right away and contact us.',
    ],
  }),
  EMAIL_CHANGE_CONFIRMATION: ({ shop, param, token, link }) => ({
    subject: `Confirm your new email address at ${shop}`,
    before: [
      `You asked to change the email address of your account at ${shop} to ${param('newEmail')}. Confirm it to complete the change.`,
    ],
    action: { label: 'Confirm my new address', url: link({ token: token() }) },
    after: ['If you did not ask for this, you can ignore this email; your account keeps its current address.'],
  }),
  EMAIL_CHANGED: ({ shop, param }) => ({
    subject: `Your email address at ${shop} was changed`,
    before: [
      `The email address of your account at ${shop} was changed to ${param('newEmail')}. Mails about your account now go there.`,
    ],
    after: ['If you did not make this change, contact us right away.'],
  }),
  ACCOUNT_DELETION: ({ shop, token, link }) => ({
    subject: `Confirm the deletion of your account at ${shop}`,
    before: [`You asked to delete your account at ${shop}. Once confirmed, the deletion cannot be undone.`],
    action: { label: 'Delete my account', url: link({ token: token() }) },
    after: ['If you did not ask for this, ignore this email and change your password: your account stays as it is.'],
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
    return value
  }
  const token = (): string => {
    if (typeof secrets.token !== 'string' || secrets.token === '')
      throw new Error(`mail template ${template} needs secret "token"`)
    return secrets.token
  }
  const shop = params.shopName || DEFAULT_SHOP_NAME
  const content = build({
    shop,
    param,
    token,
    link: query => buildLink(template, param('redirectUrl'), query),
  })
  const greeting = params.firstName ? `Hi ${params.firstName},` : 'Hello,'
  return {
    // a header value: one line, whatever a shop or person name holds
    subject: content.subject.replace(/\s+/g, ' ').trim(),
    // signed only with a real shop name: "-- our shop" would read oddly
    text: renderText(greeting, content, params.shopName),
    html: renderHtml(greeting, content, params.shopName),
  }
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

function renderText(greeting: string, { before, action, after }: Content, signature?: string): string {
  const blocks = [greeting, ...before]
  if (action) blocks.push(`${action.label}:\n${action.url}`)
  blocks.push(...after)
  if (signature) blocks.push(`-- ${signature}`)
  return blocks.join('\n\n') + '\n'
}

function renderHtml(greeting: string, { subject, before, action, after }: Content, signature?: string): string {
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
