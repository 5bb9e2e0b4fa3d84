/**
 * Runs a ReverseProxy in its own process (so its memory can be measured apart from the test):
 * `deno run -A _proxy_process.ts UPSTREAM_PORT` proxies everything to 127.0.0.1:UPSTREAM_PORT
 * and prints `listening PORT` once it accepts connections. It runs until killed.
 */
import { location, options, proxyTo, upstream } from "./_harness.ts";
import { ReverseProxy } from "../../lib/reverse/service.ts";

const upstreamPort = Number(Deno.args[0]);
const proxy = new ReverseProxy(
  "subprocess",
  options([location("/", proxyTo(upstream("o", [upstreamPort])))]),
);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`listening ${(listener.addr as Deno.NetAddr).port}`);
for await (const conn of listener) proxy.handle(conn);
