import type { RequestHead } from "../../http/request_head.ts";
import type { ClientConn } from "../client_conn.ts";
import type { CompiledLocation, CompiledServer, Generation } from "../generation.ts";
import { type RequestFacts, requestVariable } from "../../http/variables.ts";
import type { AccessSource } from "../access_log.ts";

/** An answer a phase gives instead of proxying (an error, a static response). */
export interface Answer {
  /** The status code. */
  readonly status: number;
  /** The body, sent as `text/plain; charset=utf-8` unless `contentType` says otherwise. */
  readonly body: string;
  /** The Content-Type. @default "text/plain; charset=utf-8" */
  readonly contentType?: string;
  /** More header fields. */
  readonly headers?: readonly (readonly [string, string])[];
  /** Close the connection after it (the request could not be read safely). @default false */
  readonly close?: boolean;
  /** Apply the response header rules of the location (or server). @default false */
  readonly rules?: boolean;
}

/**
 * The one object a request's phases pass along: route → access → action (static or proxy)
 * → response → log. Phases fill in what they decide; it is also the source of template
 * variables.
 */
export class RequestContext implements AccessSource, RequestFacts {
  /** The client connection. */
  readonly client: ClientConn;
  /** The parsed request head. */
  readonly head: RequestHead;
  /** The options in force for the connection. */
  readonly gen: Generation;
  /** The raw head bytes; valid until the client reader reads again. */
  readonly rawHead: Uint8Array;
  /** The server routing picked. */
  server: CompiledServer;
  /** The location routing picked, or null (no match, or routing failed). */
  location: CompiledLocation | null = null;
  /** The Host header as sent (or the absolute-form authority), "" when absent. */
  authority = "";
  /** `{host}`: the host name, lower case, no port. */
  host = "";
  /** The target to send upstream, origin-form (`/a?b`), or `*`. */
  target: string;
  /** `{path}`: the target's path as sent, without the query. */
  path = "";
  /** `{query}`: the target's query, without `?`. */
  query = "";
  /** `{upstream_addr}`, once a server is picked. */
  upstreamAddr = "";
  /** The request body has been read (or there is none). */
  bodyRead: boolean;
  /** Status answered (0 until known); for the log phase. */
  status = 0;
  /** The upstream's status, 0 when no upstream answered; for the log phase. */
  upStatus = 0;
  /** Why the request failed, for the log phase; empty when it did not. */
  error = "";
  /** When the head was parsed (ms, `performance.now()`), only when debug or access logging is on. */
  started = 0;

  /**
   * Starts a request's context.
   * @param client its connection
   * @param head the parsed head
   * @param rawHead the head's bytes, as read
   */
  constructor(client: ClientConn, head: RequestHead, rawHead: Uint8Array) {
    this.client = client;
    this.head = head;
    this.gen = client.gen;
    this.rawHead = rawHead;
    this.server = client.gen.servers[0];
    this.target = head.target;
    this.bodyRead = head.body.kind === "none";
  }

  /** The request header `name` (lower case), "" when absent. */
  header(name: string): string {
    return this.head.headers.get(name) ?? "";
  }

  /** Milliseconds since the head was parsed (0 when not timed). */
  elapsed(): number {
    return this.started > 0 ? performance.now() - this.started : 0;
  }

  /** `{client_ip}`: the client's IP address. */
  get clientIp(): string {
    return this.client.ip;
  }

  /** `{server_protocol}`: `HTTP/1.0`, `HTTP/1.1`, or `HTTP/2.0` on an HTTP/2 stream. */
  get protocol(): string {
    return this.head.version;
  }

  /** `{method}`: the request method. */
  get method(): string {
    return this.head.method;
  }

  /** `{scheme}`: `http`, or `https` on a TLS listener. */
  get scheme(): string {
    return this.gen.scheme;
  }

  /** `{server_addr}`: the local IP address the client connected to. */
  get serverAddr(): string {
    return this.client.localIp;
  }

  /** `{server_port}`: the local port the client connected to. */
  get serverPort(): number {
    return this.client.localPort;
  }

  /** The value of template variable `code` for this request. */
  variable(code: number, arg: string): string {
    return requestVariable(this, code, arg);
  }
}
