/**
 * A load worker thread (-t N): opens its share of the connections, reports ready, starts on the
 * shared clock the main thread sends, and posts its recorders back when its run ends.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {prepareLoad, TargetUnreachable} from './engine.js'
import {type FromWorker, recorderData, type ToWorker, type WorkerInput} from './threads.js'

const port = parentPort!
const input = workerData as WorkerInput
const post = (m: FromWorker): void => port.postMessage(m)

// Requests are plain Buffers on the main thread; structured cloning turns them into Uint8Arrays.
for (const t of input.plan.targets) t.request = Buffer.from(t.request)

// An async function, not top-level await: the build emits CommonJS (scripts/build.mjs).
async function main(): Promise<void> {
  try {
    const prepared = await prepareLoad(input.plan, input.specs)
    const abort = new AbortController()
    port.on('message', (m: ToWorker) => {
      if (m.type === 'stop') abort.abort()
      else if (m.type === 'start') {
        void prepared
          .start(m.t0, {
            signal: abort.signal,
            onProgress: (p) => post({type: 'progress', responses: p.responses, errors: p.errors}),
          })
          .then((outcome) => {
            post({
              type: 'done',
              recorders: outcome.recorders.map(recorderData),
              measuredMs: outcome.measuredMs,
              stoppedBy: outcome.stoppedBy,
            })
            port.close()
          })
          .catch((error: Error) => post({type: 'failed', message: error.message}))
      }
    })
    post({type: 'ready'})
  } catch (error) {
    if (error instanceof TargetUnreachable) {
      post({
        type: 'unreachable',
        target: input.plan.targets.indexOf(input.plan.targets.find((t) => t.id === error.target.id)!),
        code: error.code,
        message: error.message,
      })
    } else {
      post({type: 'failed', message: (error as Error).message})
    }
  }
}

void main()
