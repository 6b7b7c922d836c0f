// The outbox: a mail is written in the caller's transaction (enqueueMail), so it exists exactly when
// the change that caused it commits, and is sent after commit by a worker (startOutboxWorker),
// retried with backoff until delivered. Owns: never sending inside a request; the one rule against
// mail floods, that a recipient gets at most one unsolicited mail of a class per quiet period
// (mailTemplates.ts says which mails are unsolicited, rateLimits.ts keeps the shared periods); at
// most one sender per mail across processes (a conditional claim holding a lease); tokens sealed at
// rest and never logged or stored in lastError; and, without SMTP, each mail printed to the console
// with its links and marked sent in development, and elsewhere one warning at start that no mail
// will leave (no recipient is ever logged).
import nodemailer, { type Transporter } from 'nodemailer'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { afterCommit } from '../kernel'
import {
  MAIL_TEMPLATES,
  quietClassOf,
  renderMail,
  type MailParams,
  type MailRequester,
  type MailSecrets,
  type MailTemplate,
} from './mailTemplates'
import { claimQuietPeriod, endQuietPeriod as endQuietPeriodOf } from './rateLimits'
import { LEASE_MS, backoff, claimable, describeError, isolated, startPolling, type QueueWorker } from './deliveryQueue'
import { openSecrets, sealSecrets } from '../kernel'

export const MAIL_STATUSES = ['pending', 'sending', 'sent'] as const

export type MailTransport = Pick<Transporter, 'sendMail'>

export type OutboxWorker = { stop: () => Promise<void>; kick: () => void }

export type OutboxWorkerOptions = {
  intervalMs?: number
  backoffMs?: number
  batchSize?: number
  // defaults to env.smtpUrl; unset or empty keeps every mail in the outbox
  smtpUrl?: string
  // without an SMTP URL: print each mail (recipient, subject, links) and mark it sent; never in production
  printMails?: boolean
}

// the SMTP timeouts end a stalled send well before the lease (LEASE_MS) runs out
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }
const DEFAULT_BACKOFF_MS = 2_000
const DEFAULT_BATCH_SIZE = 20

let running: OutboxWorker | undefined

/**
 * Write one mail to the outbox, in the caller's transaction when `context` is a transaction's.
 * An unsolicited mail (mailTemplates.ts) first takes its recipient's quiet period for its class and
 * requester (`requestedBy`, anyone unless the caller is staff's): within it nothing is written and
 * the answer is false. `secrets` may be a function, called only once the mail will go: issue the
 * mail's one-time token there, so that a quiet request neither mails nor cancels the live link.
 */
export async function enqueueMail(
  context: Context,
  {
    to,
    template,
    params = {},
    secrets = {},
    userId,
    requestedBy = 'anyone',
  }: {
    to: string
    template: MailTemplate
    params?: MailParams
    secrets?: MailSecrets | (() => Promise<MailSecrets>)
    userId?: string
    requestedBy?: MailRequester
  },
): Promise<boolean> {
  // rendering now turns a missing param into an error in the request that caused it (the subject
  // is fixed words, so a stand-in for a token still to be issued changes nothing)
  const { subject } = renderMail(template, {
    params,
    secrets: typeof secrets === 'function' ? { token: 'stand-in' } : secrets,
  })
  // WARNING: callers answer the same either way (enumeration), and a quiet mail skips its token and
  // its insert; callers that must not be timed (accountRegister, requestPasswordReset,
  // requestEmailChange) run this inside their minimum-duration floor
  const quietClass = quietClassOf(template)
  if (quietClass && !(await claimQuietPeriod(context, { to, quietClass, requestedBy }))) return false
  const issued = typeof secrets === 'function' ? await secrets() : secrets
  if (typeof secrets === 'function') renderMail(template, { params, secrets: issued })
  const toSeal = definedEntries(issued)
  // context.sudo() keeps a transaction's client, so the row commits or rolls back with the change
  await context.sudo().db.OutboxMail.createOne({
    data: {
      to,
      subject,
      template,
      params,
      sealedSecrets: Object.keys(toSeal).length > 0 ? sealSecrets(toSeal) : null,
      ...(userId ? { user: { connect: { id: userId } } } : {}),
    },
  })
  // the worker looks once the row can be seen (services/kernel/transactions.ts)
  afterCommit(kickOutbox)
  return true
}

/**
 * End the recipient's quiet period for this template's class, whoever asked (setPassword ends a
 * reset link's: the owner has just used it), in `context`'s transaction.
 */
export async function endQuietPeriod(context: Context, { to, template }: { to: string; template: MailTemplate }) {
  const quietClass = quietClassOf(template)
  if (quietClass) await endQuietPeriodOf(context, { to, quietClass })
}

/** Ask the running worker, if any, to look at the outbox now (enqueueMail asks after the commit). */
export function kickOutbox(): void {
  running?.kick()
}

/** Claim, send and record the mails that are due; each failure is rescheduled with backoff. */
export async function deliverDueMails(
  context: Context,
  transport: MailTransport,
  {
    batchSize = DEFAULT_BATCH_SIZE,
    now,
    backoffMs = DEFAULT_BACKOFF_MS,
    shouldContinue = () => true,
  }: { batchSize?: number; now?: Date; backoffMs?: number; shouldContinue?: () => boolean } = {},
): Promise<{ sent: number; failed: number }> {
  const clock = () => now ?? new Date()
  const due = await isolated(context, prisma =>
    prisma.outboxMail.findMany({ where: claimable(clock()), orderBy: { nextAttemptAt: 'asc' }, take: batchSize }),
  )
  let sent = 0
  let failed = 0
  for (const mail of due) {
    // a worker being stopped finishes the mail in hand and leaves the rest claimable
    if (!shouldContinue()) break
    const outcome = await deliverOne(context, transport, mail, clock, backoffMs)
    if (outcome === 'sent') sent++
    if (outcome === 'failed') failed++
  }
  return { sent, failed }
}

/**
 * Poll the outbox every intervalMs, and at once on kick(), without overlapping runs. With an SMTP
 * URL it delivers through one nodemailer transport; without one it prints each mail in development
 * (printMails), and elsewhere sends and polls nothing: it warns once that no mail will leave
 * (keptInOutbox). stop() lets the mail in hand finish.
 */
export function startOutboxWorker(context: Context, options: OutboxWorkerOptions = {}): OutboxWorker {
  const {
    intervalMs = 1000,
    backoffMs,
    batchSize = DEFAULT_BATCH_SIZE,
    smtpUrl = env.smtpUrl,
    printMails = env.isDevelopment,
  } = options
  const smtp = smtpUrl ? nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS }) : undefined
  // WARNING: the console transport prints one-time links; production never uses it, whatever it is asked
  const transport: MailTransport | undefined =
    smtp ?? (printMails && !env.isProduction ? consoleTransport() : undefined)
  let stopping = false
  const polling = transport
    ? startPolling('outbox', intervalMs, async () => {
        const { sent, failed } = await deliverDueMails(context, transport, {
          batchSize,
          backoffMs,
          shouldContinue: () => !stopping,
        })
        return sent + failed >= batchSize
      })
    : keptInOutbox(context)
  const worker: OutboxWorker = {
    kick: polling.kick,
    async stop() {
      stopping = true
      await polling.stop()
      smtp?.close()
      if (running === worker) running = undefined
    },
  }
  running = worker
  return worker
}

type DueMail = {
  id: string
  to: string
  subject: string
  template: string
  params: unknown
  sealedSecrets: string | null
  attempts: number
}

async function deliverOne(
  context: Context,
  transport: MailTransport,
  mail: DueMail,
  clock: () => Date,
  backoffMs: number,
): Promise<'sent' | 'failed' | 'taken'> {
  const claimedAt = clock()
  const lease = new Date(claimedAt.getTime() + LEASE_MS)
  // one UPDATE … WHERE id AND still claimable: of two processes, exactly one changes the row
  const { count } = await isolated(context, prisma =>
    prisma.outboxMail.updateMany({
      where: { id: mail.id, ...claimable(claimedAt) },
      data: { status: 'sending', lockedUntil: lease },
    }),
  )
  if (count !== 1) return 'taken'

  let secrets: Record<string, string> = {}
  try {
    secrets = mail.sealedSecrets ? openSecrets(mail.sealedSecrets) : {}
    const { text, html } = renderMail(toTemplate(mail.template), { params: toParams(mail.params), secrets })
    const info = await transport.sendMail({
      from: env.emailFrom,
      to: mail.to,
      subject: mail.subject,
      text,
      html,
      messageId: messageIdFor(mail.id),
    })
    const { count: marked } = await isolated(context, prisma =>
      prisma.outboxMail.updateMany({
        where: { id: mail.id },
        data: {
          status: 'sent',
          sentAt: new Date(),
          messageId: info.messageId ?? messageIdFor(mail.id),
          attempts: { increment: 1 },
          lockedUntil: null,
          lastError: '',
        },
      }),
    )
    // its row went while it was on its way: the account was erased (services/users/erasure.ts
    // deletes its unsent mails) after this sender had claimed it. Sent all the same, not failed.
    if (marked === 0) console.info(`outbox: ${mail.template} mail ${mail.id} sent; its row was erased meanwhile`)
    return 'sent'
  } catch (error) {
    const attempts = mail.attempts + 1
    const lastError = describeError(error, Object.values(secrets))
    // only while the lease is still ours: past it, another sender may already own the mail
    await isolated(context, prisma =>
      prisma.outboxMail.updateMany({
        where: { id: mail.id, status: 'sending', lockedUntil: lease },
        data: {
          status: 'pending',
          attempts: { increment: 1 },
          lastError,
          lockedUntil: null,
          nextAttemptAt: new Date(clock().getTime() + backoff(attempts, backoffMs)),
        },
      }),
    )
    // the mail by id, never its recipient (a person's address is not a log's to keep)
    console.warn(`outbox: ${mail.template} mail ${mail.id} failed (attempt ${attempts}): ${lastError}`)
    return 'failed'
  }
}

/**
 * Without a transport (no SMTP_URL, outside development) nothing is sent, so nothing is polled
 * for: one warning at start says that no mail will leave, with how many already wait. A mail
 * written later stays pending like them, and no line names its recipient.
 */
function keptInOutbox(context: Context): QueueWorker {
  const warned = isolated(context, prisma => prisma.outboxMail.count({ where: { status: { not: 'sent' } } }))
    .then(
      waiting => ` (${waiting} waiting)`,
      () => '',
    )
    .then(waiting =>
      console.warn(
        `SMTP_URL is not set: no mail will leave this server; mails stay in the outbox${waiting} until it is set and the server restarted`,
      ),
    )
  return { kick: () => {}, stop: () => warned }
}

/**
 * A transport for development without SMTP: each mail is printed to stdout as a block with its
 * recipient, subject and links (the confirmation link included), so a new user can follow them.
 */
export function consoleTransport(write: (text: string) => void = text => process.stdout.write(text)): MailTransport {
  return {
    async sendMail(mail) {
      const links = [...new Set(String(mail.text ?? '').match(/https?:\/\/[^\s<>"']+/g) ?? [])]
      const rule = '─'.repeat(72)
      write(
        [
          `${rule}`,
          `mail (development, no SMTP_URL: printed here and marked sent)`,
          `To:      ${String(mail.to)}`,
          `Subject: ${String(mail.subject)}`,
          ...links.map(link => `Link:    ${link}`),
          rule,
          '',
        ].join('\n'),
      )
      return { messageId: typeof mail.messageId === 'string' ? mail.messageId : undefined }
    },
  } as MailTransport
}

// the same Message-ID on every attempt, so a mail that is sent twice (a sender dying between the
// send and its record) is recognisable downstream as one mail
function messageIdFor(id: string): string {
  const domain = /@([^\s>]+)/.exec(env.emailFrom)?.[1] ?? 'localhost'
  return `<outbox.${id}@${domain}>`
}

function toTemplate(value: string): MailTemplate {
  if (!(MAIL_TEMPLATES as readonly string[]).includes(value)) throw new Error(`unknown mail template ${value}`)
  return value as MailTemplate
}

function toParams(value: unknown): MailParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  return definedEntries(value as Record<string, unknown>) as MailParams
}

function definedEntries(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
}
