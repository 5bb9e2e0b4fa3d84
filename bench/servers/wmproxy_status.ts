/**
 * Reading ours' control endpoint: connections accepted per worker, from `/status`.
 * @module
 */

/**
 * Connections each worker has accepted since it started, in worker-id order, from `/status`.
 * @param controlPort the loopback port of the control endpoint
 * @returns accepted connections per worker (one entry per worker)
 * @throws Error when `/status` does not answer 200 or lists no workers
 */
export async function readWorkerAccepted(controlPort: number): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${controlPort}/status`);
  const body = await response.json();
  if (!response.ok) throw new Error(`/status answered ${response.status}: ${body.message}`);
  return parseWorkerAccepted(body);
}

/**
 * The `accepted` count of each entry of `workers` in a `/status` body, ordered by `id`.
 * @param body the parsed JSON of `/status`
 * @returns accepted connections per worker
 * @throws Error when there is no `workers` list or an entry lacks a numeric `accepted`
 */
export function parseWorkerAccepted(body: unknown): number[] {
  const workers = (body as { workers?: unknown }).workers;
  if (!Array.isArray(workers) || workers.length === 0) {
    throw new Error("/status lists no workers");
  }
  return workers
    .map((worker: { id?: unknown; accepted?: unknown }) => {
      if (typeof worker.id !== "number" || typeof worker.accepted !== "number") {
        throw new Error(`/status has a worker without id or accepted: ${JSON.stringify(worker)}`);
      }
      return { id: worker.id, accepted: worker.accepted };
    })
    .toSorted((a, b) => a.id - b.id)
    .map((worker) => worker.accepted);
}
