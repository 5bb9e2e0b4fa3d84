// placeholder until SOCKS5 lands (lead); replaced by the real handler
import type { ProxyHandler } from "../types.ts";
export const handleSocks5: ProxyHandler = (conn) => {
  conn.close();
  return Promise.resolve();
};
