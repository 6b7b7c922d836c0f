// After `npm install`: generate Keystone's types, the Prisma client and the built config, offline.
import { runKeystone } from './lib/keystoneCli'

try {
  await runKeystone(['build', '--no-ui'])
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
