// Preloaded (node -r) by bench/thread-cpu.sh: when the process exits, appends one line to
// $THREAD_CPU_OUT: "<tag> <main thread CPU ns> <other threads' CPU ns> <ms since start>".
// From /proc/<pid>/task/*/schedstat (Linux): CPU time per thread in nanoseconds, where a wall time
// on this shared 2-core host moves by tens of milliseconds. The main thread's time is what a
// discover waits for; V8's compiler and GC threads run beside it.
'use strict'
const {appendFileSync, readdirSync, readFileSync} = require('node:fs')

process.on('exit', () => {
  try {
    let main = 0
    let other = 0
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      const ns = Number(readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      if (Number(tid) === process.pid) main = ns
      else other += ns
    }

    appendFileSync(
      process.env.THREAD_CPU_OUT,
      `${process.env.THREAD_CPU_TAG} ${main} ${other} ${performance.now().toFixed(1)}\n`,
    )
  } catch {
    // Not Linux, or the file is gone: no line.
  }
})
