// Loaded into a worker process with `--import`: SIGWINCH blocks its event loop for BLOCK_MS (a
// CPU-bound stretch: no timer, socket or query callback runs meanwhile), announced before and after.
const blockMs = Number(process.env.BLOCK_MS ?? 4000)
process.on('SIGWINCH', () => {
  process.stdout.write('event loop blocked\n')
  const until = Date.now() + blockMs
  while (Date.now() < until) { /* busy */ }
  process.stdout.write('event loop unblocked\n')
})
