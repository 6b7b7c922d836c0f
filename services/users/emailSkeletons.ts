// The confusable skeletons of accounts written before emails had one (their column is NULL): filled
// when the server starts (keystone.ts db.onConnect, before it listens), in bounded batches, each row
// once. Two existing accounts whose addresses look alike cannot both hold the skeleton: the earlier
// (lower id: ids rise with time) keeps it, the later stays NULL and is reported by id, and the
// server starts all the same. Safe to run in two processes at once and again at every start.
import type { Context } from '../../generated/keystone/types'
import { isUniqueViolation } from '../kernel'
import { emailColumns } from './userEmail'

export const SKELETON_FILL_BATCH = 500

export type SkeletonFill = {
  /** rows that got their skeleton */
  filled: number
  /** ids of rows left NULL: another account holds their skeleton */
  collisions: string[]
}

type Fill = { id: string; skeleton: string }

/** Give every user whose emailSkeleton is NULL its skeleton, where no other account holds it. */
export async function fillEmailSkeletons(context: Context, args: { batchSize?: number } = {}): Promise<SkeletonFill> {
  const batchSize = args.batchSize ?? SKELETON_FILL_BATCH
  const result: SkeletonFill = { filled: 0, collisions: [] }
  let afterId: string | undefined
  for (;;) {
    const rows = await context.prisma.user.findMany({
      where: { emailSkeleton: null, ...(afterId ? { id: { gt: afterId } } : {}) },
      select: { id: true, email: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    })
    if (rows.length === 0) return result
    afterId = rows[rows.length - 1]!.id
    const wanted = rows.map(row => ({ id: row.id, skeleton: emailColumns(row.email).emailSkeleton }))
    // the skeletons other rows hold already, and those claimed earlier in this batch
    const holders = new Map<string, string>()
    const held = await context.prisma.user.findMany({
      where: { emailSkeleton: { in: [...new Set(wanted.map(fill => fill.skeleton))] } },
      select: { id: true, emailSkeleton: true },
    })
    for (const row of held) holders.set(row.emailSkeleton!, row.id)
    const fills: Fill[] = []
    for (const fill of wanted) {
      const holder = holders.get(fill.skeleton)
      if (holder === undefined) {
        holders.set(fill.skeleton, fill.id)
        fills.push(fill)
      } else if (holder !== fill.id) result.collisions.push(fill.id)
    }
    result.filled += await writeFills(context, fills, result.collisions)
  }
}

// one transaction for the batch; when another process wrote a colliding skeleton meanwhile, the
// batch is rolled back and written row by row, each collision reported
async function writeFills(context: Context, fills: Fill[], collisions: string[]): Promise<number> {
  const update = (fill: Fill) =>
    context.prisma.user.updateMany({
      where: { id: fill.id, emailSkeleton: null },
      data: { emailSkeleton: fill.skeleton },
    })
  try {
    const counts = await context.prisma.$transaction(fills.map(update))
    return counts.reduce((sum, { count }) => sum + count, 0)
  } catch (error) {
    if (!isUniqueViolation(error, 'emailSkeleton')) throw error
  }
  let filled = 0
  for (const fill of fills) {
    try {
      filled += (await update(fill)).count
    } catch (error) {
      if (!isUniqueViolation(error, 'emailSkeleton')) throw error
      collisions.push(fill.id)
    }
  }
  return filled
}
