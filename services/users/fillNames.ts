// Accounts written before the name model (services/users/names.ts: nameToStore) with an empty
// `name` beside a first or last name: given their first and last name joined when the server
// starts (keystone.ts db.onConnect, before it listens), in bounded batches, so that no page shows
// a blank name and a search for the full name finds them (the keeper writes the search document
// with each row). A row that a write gave a name meanwhile is left as that write made it. Safe to
// run in two processes at once, and again at every start.
import type { Context } from '../../generated/keystone/types'
import { inTransaction } from '../kernel'
import { fullNameOf } from './names'

export const NAME_FILL_BATCH = 500

/** Give every user whose name is empty its first and last name joined; answers how many were given one. */
export async function fillEmptyNames(context: Context, args: { batchSize?: number } = {}): Promise<number> {
  const batchSize = args.batchSize ?? NAME_FILL_BATCH
  let filled = 0
  let afterId: string | undefined
  for (;;) {
    const rows = await context.prisma.user.findMany({
      where: {
        name: '',
        OR: [{ firstName: { not: '' } }, { lastName: { not: '' } }],
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      select: { id: true, firstName: true, lastName: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    })
    if (rows.length === 0) return filled
    afterId = rows[rows.length - 1]!.id
    await inTransaction(context, async tx => {
      for (const row of rows) {
        const name = fullNameOf(row.firstName, row.lastName)
        if (!name) continue
        const { count } = await tx.prisma.user.updateMany({ where: { id: row.id, name: '' }, data: { name } })
        filled += count
      }
    })
  }
}
