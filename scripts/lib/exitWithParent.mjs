// Preloaded (`node --import`) into every child that scripts/lib/run.ts starts: the child leads a
// process group of its own, so a supervisor that kills its parent's group outright (SIGKILL, which
// the parent cannot pass on) would leave it running, re-parented, holding the port. Once its parent
// is gone, the child stops itself as a SIGTERM would stop it: the server drains and exits.
const parent = Number(process.env.IDENTITY_PARENT_PID)
if (parent > 0) {
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM')
  }, 500).unref()
}
