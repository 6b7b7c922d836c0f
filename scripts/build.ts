// `npm run build`: the Keystone build (GraphQL and Prisma artifacts, Prisma client, Admin UI) for `npm start`.
import { runKeystone } from './lib/keystoneCli'

try {
  await runKeystone(['build'])
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
