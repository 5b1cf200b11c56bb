/**
 * Worker thread body: scans the units the main thread posts (a file, or a byte range of one) and
 * posts back each result. The id is sent as text and parsed again here (Buffers do not clone well).
 */
import {parentPort} from 'node:worker_threads'

import {scanFileUnit, ScanUnit} from './search-files.js'
import {traceQuery} from './trace-id.js'

parentPort?.on(
  'message',
  async (msg: {id: string; unit: ScanUnit; context: number; seq: number; gunzipWorker: boolean}) => {
    const query = traceQuery(msg.id)!
    const result = await scanFileUnit(msg.unit, query, msg.context, {gunzipWorker: msg.gunzipWorker})
    parentPort!.postMessage({seq: msg.seq, result})
  },
)
