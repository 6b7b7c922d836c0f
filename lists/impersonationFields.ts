// Impersonation on a User (API.md §10). `impersonatedBy`: in an impersonation, the staff member
// acting as the user, for the user's own session only (`me { impersonatedBy { id email } }`; null
// in any other session, and on any other user). `storefrontAsCustomer`: on a customer's page in
// the Admin UI, the action "View storefront as this customer" (admin/views/impersonate.tsx), which
// asks a reason, calls userImpersonate and opens STOREFRONT_URL with the token in the fragment;
// its value is that URL where the action is offered (the reader holds IMPERSONATE_USER, the user
// is another, active customer, STOREFRONT_URL is set), else null, and the view shows nothing.
import { gWithContext } from '@keystone-6/core'
import { virtual } from '@keystone-6/core/fields'
import type { Context, Lists } from '../generated/keystone/types'
import { hasPermission } from '../access/permissions'
import { isSelf } from '../access/fields'
import { env } from '../env'
import type { Session } from '../services/identity'

const g = gWithContext<Context>()

const ImpersonatorType = g.object<{ id: string; email: string }>()({
  name: 'Impersonator',
  description: 'The staff member acting as the user in an impersonation (userImpersonate).',
  fields: { id: g.field({ type: g.nonNull(g.ID) }), email: g.field({ type: g.nonNull(g.String) }) },
})

type ItemArgs = { session?: Session; item?: Record<string, unknown> }

// staff who may impersonate (IMPERSONATE_USER, through the one permission function)
function mayImpersonate({ session }: ItemArgs): boolean {
  return hasPermission(session, 'IMPERSONATE_USER')
}

const hiddenEverywhere = {
  createView: { fieldMode: 'hidden' as const },
  itemView: { fieldMode: 'hidden' as const },
  listView: { fieldMode: 'hidden' as const },
}

export const impersonationFields = {
  impersonatedBy: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: isSelf },
    field: g.field({
      type: ImpersonatorType,
      description: "In an impersonation, the staff member acting as the user; null otherwise. The user's own only.",
      async resolve(item, _args, context) {
        const session = context.session as Session | undefined
        if (!session?.impersonatorId || session.itemId !== String(item.id)) return null
        const staff = await context.sudo().prisma.user.findUnique({
          where: { id: session.impersonatorId },
          select: { id: true, email: true },
        })
        return staff ?? null
      },
    }),
    ui: hiddenEverywhere,
  }),
  storefrontAsCustomer: virtual<Lists.User.TypeInfo<Session>>({
    access: { read: mayImpersonate },
    field: g.field({
      type: g.String,
      description: 'Where "View storefront as this customer" leads (STOREFRONT_URL), when it is offered; else null.',
      resolve(item, _args, context) {
        const session = context.session as Session | undefined
        const offered =
          env.storefrontUrl && !item.isStaff && item.isActive && session && String(item.id) !== session.itemId
        return offered ? env.storefrontUrl! : null
      },
    }),
    ui: {
      label: 'Storefront',
      description:
        'See the storefront as this customer sees it, for 15 minutes; the reason you give is kept in its history',
      views: './admin/views/impersonate',
      createView: { fieldMode: 'hidden' },
      listView: { fieldMode: 'hidden' },
      itemView: {
        // Keystone reads an item view's field mode without the item: whom it is offered on is the
        // value's (null: the view shows nothing)
        fieldMode: ({ session }: { session?: Session }) =>
          env.storefrontUrl && mayImpersonate({ session }) ? ('read' as const) : ('hidden' as const),
        fieldPosition: 'sidebar',
      },
    },
  }),
}
