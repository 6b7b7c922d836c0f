// The Prisma datamodel Keystone prints for this project's config, once per database provider.
import type { KeystoneConfig } from '@keystone-6/core/types'
import { buildArtifacts, createSystem } from '@keystone-6/core/___internal-do-not-use-will-break-in-patch/artifacts'
import { projectRoot } from './migrationFiles'
import { preparePrismaEnv } from './prismaEnv'
import type { Provider } from './schemaEngine'

export type Datamodels = Record<Provider, string>

/** Render the datamodel of keystone.ts for SQLite and for PostgreSQL. */
export async function renderDatamodels(): Promise<Datamodels> {
  // loaded on demand: importing keystone.ts runs env.ts (dotenv, the dev session secret), which
  // callers of renderDatamodelsOf alone should not pay for
  const { default: config } = (await import('../../keystone')) as { default: KeystoneConfig }
  return renderDatamodelsOf(config)
}

/** Render the datamodel of any finished Keystone config (the result of `config()`) for both providers. */
export async function renderDatamodelsOf(config: KeystoneConfig, cwd: string = projectRoot): Promise<Datamodels> {
  preparePrismaEnv()
  const render = async (provider: Provider): Promise<string> => {
    // Keystone prints provider-specific details (defaults of lists, native types), so the provider is
    // swapped in the config and the whole schema printed again, never substituted in the text
    const system = createSystem({ ...config, db: { ...config.db, provider } })
    const { prisma } = await buildArtifacts(cwd, system)
    return withoutGenerator(prisma)
  }
  const [sqlite, postgresql] = await Promise.all([render('sqlite'), render('postgresql')])
  return { sqlite, postgresql }
}

function withoutGenerator(prisma: string): string {
  // the client generator's output path follows DATABASE_URL in keystone.ts and has no bearing on the
  // database; kept, it would make the snapshot depend on the environment it was rendered in
  return prisma.replace(/^generator\s+\w+\s*\{[^}]*\}[ \t]*\n+/m, '')
}
