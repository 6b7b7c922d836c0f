// Prisma CLI configuration, as Keystone expects it. Migrations are ours: see scripts/migrate.ts.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'schema.prisma',
})
