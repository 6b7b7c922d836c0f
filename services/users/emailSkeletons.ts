// Accounts written before emails had one stored form and a confusable skeleton (their skeleton is
// NULL): brought up to date when the server starts (keystone.ts db.onConnect, before it listens),
// in bounded batches, each row once. Each gets its skeleton and, where the old rule stored another
// form (a Unicode domain, fullwidth letters, a trailing dot), the normalised email, so that the
// lookups, which normalise what they are given, still find it. Two existing accounts whose
// addresses look alike cannot both hold the skeleton: the earlier (lower id: ids rise with time)
// keeps it, the later stays as it was, NULL, and is reported by id; the server starts all the same.
// Safe to run in two processes at once, and again at every start.
import type { Context } from '../../generated/keystone/types'
import { isUniqueViolation, isValidEmail } from '../kernel'
import { emailColumns } from './userEmail'

export const SKELETON_FILL_BATCH = 500

export type SkeletonFill = {
  /** rows that got their skeleton */
  filled: number
  /** of those, rows whose email was rewritten in its normalised form */
  normalized: number
  /** ids of rows left as they were: another account holds their skeleton or their normalised email */
  collisions: string[]
}

type Fill = { id: string; skeleton: string; email?: string }

/** Give every user whose emailSkeleton is NULL its skeleton, where no other account holds it. */
export async function fillEmailSkeletons(context: Context, args: { batchSize?: number } = {}): Promise<SkeletonFill> {
  const batchSize = args.batchSize ?? SKELETON_FILL_BATCH
  const result: SkeletonFill = { filled: 0, normalized: 0, collisions: [] }
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
    const wanted: Fill[] = rows.map(row => {
      const columns = emailColumns(row.email)
      // an address the new rules refuse (a zero-width space…) keeps its text, and gets its skeleton
      const email = columns.email !== row.email && isValidEmail(columns.email) ? columns.email : undefined
      return { id: row.id, skeleton: columns.emailSkeleton, ...(email ? { email } : {}) }
    })
    // the skeletons and emails other rows hold already, and those claimed earlier in this batch
    const holders = new Map<string, string>()
    const skeletons = [...new Set(wanted.map(fill => fill.skeleton))]
    const emails = wanted.flatMap(fill => (fill.email ? [fill.email] : []))
    const held = await context.prisma.user.findMany({
      where: { OR: [{ emailSkeleton: { in: skeletons } }, ...(emails.length ? [{ email: { in: emails } }] : [])] },
      select: { id: true, email: true, emailSkeleton: true },
    })
    for (const row of held) {
      if (row.emailSkeleton) holders.set(`skeleton:${row.emailSkeleton}`, row.id)
      holders.set(`email:${row.email}`, row.id)
    }
    const fills: Fill[] = []
    for (const fill of wanted) {
      const keys = [`skeleton:${fill.skeleton}`, ...(fill.email ? [`email:${fill.email}`] : [])]
      if (keys.some(key => (holders.get(key) ?? fill.id) !== fill.id)) {
        result.collisions.push(fill.id)
        continue
      }
      for (const key of keys) holders.set(key, fill.id)
      fills.push(fill)
    }
    await writeFills(context, fills, result)
  }
}

// one transaction for the batch; when another process wrote a colliding value meanwhile, the batch
// is rolled back and written row by row, each collision reported. A rewritten email is searched
// for as it now reads: the search document follows it (services/users/searchDocumentKeeper.ts),
// which is why the batch is an interactive transaction and not a $transaction([...]) one.
async function writeFills(context: Context, fills: Fill[], result: SkeletonFill): Promise<void> {
  const update = (prisma: Pick<Context['prisma'], 'user'>, fill: Fill) =>
    prisma.user.updateMany({
      where: { id: fill.id, emailSkeleton: null },
      data: { emailSkeleton: fill.skeleton, ...(fill.email ? { email: fill.email } : {}) },
    })
  const written: Fill[] = []
  try {
    const counts = await context.prisma.$transaction(async tx => {
      const counts: { count: number }[] = []
      for (const fill of fills) counts.push(await update(tx, fill))
      return counts
    })
    fills.forEach((fill, i) => counts[i]!.count > 0 && written.push(fill))
  } catch (error) {
    if (!isTakenViolation(error)) throw error
    for (const fill of fills) {
      try {
        if ((await update(context.prisma, fill)).count > 0) written.push(fill)
      } catch (rowError) {
        if (!isTakenViolation(rowError)) throw rowError
        result.collisions.push(fill.id)
      }
    }
  }
  result.filled += written.length
  result.normalized += written.filter(fill => fill.email).length
}

function isTakenViolation(error: unknown): boolean {
  return isUniqueViolation(error, 'emailSkeleton') || isUniqueViolation(error, 'email')
}
