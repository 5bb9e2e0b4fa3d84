import { type StaticFiles, toResponse } from "./files.ts";
import { type StaticRequestInfo, StaticRequestVars } from "./request_vars.ts";

/** What a {@link StaticSite} does around its files; every field is optional. */
export interface StaticSiteOptions {
  /** `{scheme}` is `https`. @default false */
  readonly tls?: boolean;
  /** Host names served (lower case); other hosts get the not-found answer. @default null (any) */
  readonly names?: ReadonlySet<string> | null;
  /**
   * Edits each answer's header fields (a location's response header rules). A `TypeError`
   * from it (a value `Headers` refuses) turns the answer into a 500. @default null
   */
  readonly editHeaders?: ((headers: Headers, vars: StaticRequestVars) => void) | null;
  /** Called with each request once its status is known (the access log). @default null */
  readonly answered?: ((vars: StaticRequestVars) => void) | null;
}

/**
 * A static site on `Deno.serve`: {@link StaticFiles} behind a host check, with header edits
 * and a per-request callback. Without any of these a request goes straight to the files.
 */
export class StaticSite {
  /** The files served. */
  readonly files: StaticFiles;
  readonly #tls: boolean;
  readonly #names: ReadonlySet<string> | null;
  readonly #editHeaders: ((headers: Headers, vars: StaticRequestVars) => void) | null;
  readonly #answered: ((vars: StaticRequestVars) => void) | null;
  readonly #plain: boolean;

  /**
   * @param files the files served
   * @param options host names, header edits and the callback
   */
  constructor(files: StaticFiles, options: StaticSiteOptions = {}) {
    this.files = files;
    this.#tls = options.tls ?? false;
    this.#names = options.names ?? null;
    this.#editHeaders = options.editHeaders ?? null;
    this.#answered = options.answered ?? null;
    this.#plain = this.#names === null && this.#editHeaders === null && this.#answered === null;
  }

  /** The answer to `req`; a Response at once when the files have it in memory. */
  handle(req: Request, info: StaticRequestInfo): Response | Promise<Response> {
    return this.#plain ? this.files.handle(req) : this.#answer(req, info);
  }

  async #answer(req: Request, info: StaticRequestInfo): Promise<Response> {
    const vars = new StaticRequestVars(req, info, this.#tls);
    let res: Response;
    if (this.#names !== null && !this.#names.has(vars.host)) {
      const header = (name: string) => req.headers.get(name);
      res = toResponse(await this.files.notFound({ method: req.method, path: vars.path, header }));
    } else {
      res = await this.files.handle(req);
    }
    if (this.#editHeaders !== null) {
      try {
        this.#editHeaders(res.headers, vars);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // a value Headers refuses
        await res.body?.cancel();
        res = new Response(`500 Internal Server Error: ${e.message}\n`, { status: 500 });
      }
    }
    if (this.#answered !== null) {
      vars.status = res.status;
      this.#answered(vars);
    }
    return res;
  }
}
