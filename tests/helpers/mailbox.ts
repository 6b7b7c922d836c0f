// A real SMTP server on loopback that keeps every mail it receives, parsed, for flow tests.
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { freePort } from './server'

export type Mail = { to: string; subject: string; text: string; html: string; messageId: string }

export type Mailbox = {
  url: string
  port: number
  mails: Mail[]
  /** Wait for the next mail to `to` (after those already taken) whose subject matches. */
  next: (to: string, subject?: RegExp, timeoutMs?: number) => Promise<Mail>
  stop: () => Promise<void>
}

function addressOf(mail: ParsedMail): string {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to
  return (to?.value[0]?.address ?? '').toLowerCase()
}

export async function startMailbox(port?: number): Promise<Mailbox> {
  const mails: Mail[] = []
  const taken = new Set<Mail>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(parsed => {
        mails.push({
          to: addressOf(parsed),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          messageId: parsed.messageId ?? '',
        })
        callback()
      }, callback)
    },
  })
  const listenPort = port ?? (await freePort())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listenPort, '127.0.0.1', () => resolve())
  })
  return {
    url: `smtp://127.0.0.1:${listenPort}`,
    port: listenPort,
    mails,
    async next(to, subject, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const mail = mails.find(
          m => !taken.has(m) && m.to === to.toLowerCase() && (!subject || subject.test(m.subject)),
        )
        if (mail) {
          taken.add(mail)
          return mail
        }
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      throw new Error(
        `no mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms; got: ${mails.map(m => `${m.to} "${m.subject}"`).join(', ')}`,
      )
    },
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}

/** The token of the first link in a mail that carries one. */
export function tokenFromMail(mail: Mail): string {
  return linkFromMail(mail).searchParams.get('token')!
}

/** The first link in a mail that carries a token. */
export function linkFromMail(mail: Mail): URL {
  const match = /https?:\/\/\S*[?&]token=[^\s"<>]+/.exec(mail.text)
  if (!match) throw new Error(`no token link in mail "${mail.subject}":\n${mail.text}`)
  return new URL(match[0])
}
