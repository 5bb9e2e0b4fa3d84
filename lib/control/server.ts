import { timingSafeEqual } from "node:crypto";
import { log } from "../log/logger.ts";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.ts";
import { crossSiteProblem } from "./request_guard.ts";
import type { ControlReply, ControlTarget } from "./types.ts";

/** Options for {@link startControl}. */
export interface ControlOptions {
  /** Every request must carry `Authorization: Bearer <token>` when set. */
  token?: string | null;
}

/** A running control endpoint. */
export interface ControlServer {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** Replaces the bearer token (null: none) for requests from now on. */
  setToken(token: string | null): void;
  /** Stops accepting and waits for requests in flight. */
  shutdown(): Promise<void>;
}

const logger = log("control");
const encoder = new TextEncoder();

/**
 * Serves `/now`, `/status`, `/reload`, `/adapt` and `/stop` (GET or POST) with JSON bodies,
 * and `/metrics` in the Prometheus text format.
 * Requests a browser makes for another site (CSRF, DNS rebinding) get 403. Throws if the
 * address cannot be bound.
 */
export function startControl(
  hostname: string,
  port: number,
  target: ControlTarget,
  options: ControlOptions = {},
): ControlServer {
  let token: Uint8Array | undefined;
  const setToken = (t: string | null | undefined) => {
    token = t ? encoder.encode(`Bearer ${t}`) : undefined;
  };
  setToken(options.token);
  const server = Deno.serve({ hostname, port, onListen: () => {} }, async (req) => {
    const crossSite = crossSiteProblem(req.headers, server.addr as Deno.NetAddr);
    if (crossSite !== null) {
      logger.warn("refused {method} {url}: {why}", {
        method: req.method,
        url: req.url,
        why: crossSite,
      });
      return json({ status: 403, body: { message: crossSite } });
    }
    if (req.method !== "GET" && req.method !== "POST") {
      return json({ status: 405, body: { message: "use GET or POST" } });
    }
    if (token && !authorized(req.headers.get("authorization"), token)) {
      return json({ status: 401, body: { message: "missing or wrong bearer token" } });
    }
    const url = new URL(req.url);
    const path = url.pathname;
    logger.debug("{method} {path}", { method: req.method, path });
    switch (path) {
      case "/now":
        return json(target.now());
      case "/status":
        return json(await target.status());
      case "/metrics":
        return await metricsResponse(target);
      case "/reload":
        return json(await target.reload());
      case "/adapt":
        return json(await target.adapt());
      case "/stop":
        setTimeout(() => target.stop(), 0);
        return json({ status: 200, body: { message: "stopping" } });
      default: {
        const hooked = path.startsWith("/test/")
          ? await target.testHook?.(path, url.searchParams)
          : undefined;
        if (hooked) return json(hooked);
        return json({
          status: 404,
          body: {
            message: `no such endpoint: ${path}; try /now /status /metrics /reload /adapt /stop`,
          },
        });
      }
    }
  });
  return { addr: server.addr as Deno.NetAddr, setToken, shutdown: () => server.shutdown() };
}

/**
 * Serves only `/metrics` (GET), for a scraper that should have no control access: the same
 * bearer-token rule as the control endpoint; with a token set, the `Host` check is skipped (a
 * browser never sends the token, and scrapers often address the host by name).
 */
export function startMetrics(
  hostname: string,
  port: number,
  target: Pick<ControlTarget, "metrics">,
  options: ControlOptions = {},
): ControlServer {
  let token: Uint8Array | undefined;
  const setToken = (t: string | null | undefined) => {
    token = t ? encoder.encode(`Bearer ${t}`) : undefined;
  };
  setToken(options.token);
  const server = Deno.serve({ hostname, port, onListen: () => {} }, async (req) => {
    const crossSite = crossSiteProblem(req.headers, server.addr as Deno.NetAddr, {
      checkHost: token === undefined,
    });
    if (crossSite !== null) return json({ status: 403, body: { message: crossSite } });
    if (req.method !== "GET") return json({ status: 405, body: { message: "use GET" } });
    if (token && !authorized(req.headers.get("authorization"), token)) {
      return json({ status: 401, body: { message: "missing or wrong bearer token" } });
    }
    if (new URL(req.url).pathname !== "/metrics") {
      return json({ status: 404, body: { message: "only /metrics is served here" } });
    }
    return await metricsResponse(target);
  });
  return { addr: server.addr as Deno.NetAddr, setToken, shutdown: () => server.shutdown() };
}

async function metricsResponse(target: Pick<ControlTarget, "metrics">): Promise<Response> {
  return new Response(await target.metrics(), {
    headers: { "content-type": EXPOSITION_CONTENT_TYPE },
  });
}

function authorized(header: string | null, expected: Uint8Array): boolean {
  if (header === null) return false;
  const given = encoder.encode(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function json(reply: ControlReply): Response {
  return Response.json(reply.body, { status: reply.status });
}
