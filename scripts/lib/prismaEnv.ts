// The environment that lets the Prisma CLI (which Keystone's buildArtifacts runs) work offline.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** Give the absolute path of the schema engine's .wasm file in @prisma/schema-engine-wasm. */
export function schemaEngineWasmPath(): string {
  // the package exports only the JS glue; the .wasm sits beside it
  return require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm')
}

export function preparePrismaEnv(): void {
  const configured = process.env.PRISMA_SCHEMA_ENGINE_BINARY
  if (!configured) {
    // the CLI downloads a native schema engine (impossible here) unless this names an existing file;
    // `prisma format` never runs that engine, so any file will do, and the wasm is always installed
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = schemaEngineWasmPath()
  } else if (!existsSync(configured)) {
    // a stale value would bring back the download, and Keystone's silent exit 1 with it
    throw new Error(
      `PRISMA_SCHEMA_ENGINE_BINARY names ${configured}, which does not exist: unset it or name an existing file`,
    )
  }
  // update checks and telemetry would each wait on hosts this network cannot reach
  process.env.PRISMA_HIDE_UPDATE_MESSAGE = '1'
  process.env.CHECKPOINT_DISABLE = '1'
  process.env.NEXT_TELEMETRY_DISABLED = '1'
}
