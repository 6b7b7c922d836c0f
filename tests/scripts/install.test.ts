// `npm install` as a new user runs it: the installed tree meets every range that asks for a package,
// peers included, so npm has no conflict to print. graphql-upload 15 (Keystone's) still names the
// Express 4 types as an optional peer while Keystone 8 runs Express 5: package.json's `overrides`
// gives it the project's Express 5 types.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { projectRoot } from '../../scripts/lib/migrationFiles'

test('every installed package meets the ranges that ask for it, peers included (npm ls finds no problem)', () => {
  // when
  const ls = spawnSync('npm', ['ls', '--all', '--json'], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  })

  // then
  const problems = (JSON.parse(ls.stdout) as { problems?: string[] }).problems ?? []
  assert.deepEqual(problems, [])
  assert.equal(ls.status, 0, ls.stderr)
})
