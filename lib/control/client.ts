/** A control request that could not be made or was refused. */
export class ControlClientError extends Error {
  /** HTTP status when the endpoint answered; undefined when it could not be reached. */
  readonly status: number | undefined;
  /** Parsed JSON body of the refusal, when the endpoint answered. */
  readonly body: unknown;

  /** Creates an error with the endpoint's status and body, when it answered. */
  constructor(message: string, status?: number, body?: unknown) {
    super(message);
    this.name = "ControlClientError";
    this.status = status;
    this.body = body;
  }
}

/** Options for {@link callControl}. */
export interface CallControlOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Milliseconds to wait for the answer. @default 60000 */
  timeout?: number;
}

/** POSTs to `<base>/<verb>` and returns the JSON body; throws {@link ControlClientError}. */
export async function callControl(
  base: string,
  verb: string,
  options: CallControlOptions = {},
): Promise<Record<string, unknown>> {
  const url = controlUrl(base, verb);
  if (!url) {
    throw new ControlClientError(
      `${
        JSON.stringify(base)
      } is not a control endpoint URL, expected one like http://127.0.0.1:8837`,
    );
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      signal: AbortSignal.timeout(options.timeout ?? 60_000),
    });
  } catch (e) {
    throw new ControlClientError(
      `cannot reach the control endpoint at ${url}: ${(e as Error).message}`,
    );
  }
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  if (!res.ok) {
    throw new ControlClientError(String(body.message ?? res.statusText), res.status, body);
  }
  return body;
}

/** `<base>/<verb>` as a URL, or undefined when `base` is not an http(s) URL. */
export function controlUrl(base: string, verb: string): URL | undefined {
  if (!URL.canParse(verb, base.endsWith("/") ? base : `${base}/`)) return undefined;
  const url = new URL(verb, base.endsWith("/") ? base : `${base}/`);
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}
