// Which channel a storefront request speaks for: the named one, or the default when none is named. Its name signs the mails, its slug rides on the webhooks.
import type { Context } from '../../generated/keystone/types'
import { DomainError } from '../kernel'

export type ChannelRef = { id: string; slug: string; name: string } | null

export async function resolveChannel(context: Context, slug: string | null | undefined): Promise<ChannelRef> {
  if (!slug) {
    const fallback = await context.prisma.channel.findFirst({ where: { isActive: true }, orderBy: { slug: 'asc' } })
    return fallback ? { id: fallback.id, slug: fallback.slug, name: fallback.name } : null
  }
  const channel = await context.prisma.channel.findUnique({ where: { slug } })
  if (!channel)
    throw new DomainError({
      field: 'channel',
      code: 'NOT_FOUND',
      message: `Channel with '${slug}' slug does not exist.`,
    })
  if (!channel.isActive)
    throw new DomainError({ field: 'channel', code: 'CHANNEL_INACTIVE', message: `Channel '${slug}' is inactive.` })
  return { id: channel.id, slug: channel.slug, name: channel.name }
}
