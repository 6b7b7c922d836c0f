// A notice to a user about its own account (a password changed, a second factor turned on or off, a
// passkey added, a refresh token reused, someone registering its address…): one mail to the address
// it holds, greeting it by name, with what else the template names. The one-time links are
// oneTimeLinks.ts's; a notice carries no link that proves anything.
import type { Context } from '../../generated/keystone/types'
import { enqueueMail, type MailTemplate } from '../messaging'

/** The user a notice goes to: its address, and the name it is greeted by. */
export type NoticeRecipient = { id: string; email: string; firstName: string }

/** Queue one notice mail to `user` at the address it holds, in `tx`; it leaves after the commit. */
export async function mailNotice(
  tx: Context,
  user: NoticeRecipient,
  template: MailTemplate,
  params: Record<string, unknown> = {},
): Promise<void> {
  await enqueueMail(tx, {
    to: user.email,
    template,
    params: { email: user.email, firstName: user.firstName, ...params },
    userId: user.id,
  })
}
