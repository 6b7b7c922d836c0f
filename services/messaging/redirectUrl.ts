// Where our mails may send people: redirectUrl must be an http(s) URL on ALLOWED_CLIENT_HOSTS,
// or a link in a mail could carry a token to somebody else's site.
import { env } from '../../env'
import { DomainError } from '../kernel'

export function assertAllowedRedirectUrl(value: string | null | undefined, field = 'redirectUrl'): string {
  if (!value) throw new DomainError({ field, code: 'REQUIRED', message: 'A redirect URL is required.' })
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new DomainError({ field, code: 'INVALID', message: 'The redirect URL is not a valid URL.' })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DomainError({ field, code: 'INVALID', message: 'The redirect URL must use http or https.' })
  }
  if (url.username || url.password || !env.allowedClientHosts.includes(url.hostname.toLowerCase())) {
    throw new DomainError({ field, code: 'INVALID', message: `${url.hostname} is not an allowed client host.` })
  }
  return url.toString()
}
