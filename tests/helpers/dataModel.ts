// Prisma's own data model of the generated client (its runtime field, read by tests only): every
// model with its fields, so a test can walk every table and column without naming them.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaClient } from '../../generated/prisma/client'

export type ModelField = { name: string; kind: string; type: string; dbName?: string; relationName?: string }
export type DataModel = Record<string, { fields: ModelField[]; dbName: string | null }>

/** The data model of `prisma` (any client of ours), or of a client made here that never connects. */
export function dataModelOf(prisma?: object): DataModel {
  const client = prisma ?? new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: 'file::memory:' }) })
  return (client as unknown as { _runtimeDataModel: { models: DataModel } })._runtimeDataModel.models
}
