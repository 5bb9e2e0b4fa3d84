// placeholder until the HTTP proxy lands (lead); replaced by the real handler
import type { ProxyHandler } from "./types.ts";
export const handleHttpProxy: ProxyHandler = (conn) => {
  conn.close();
  return Promise.resolve();
};
