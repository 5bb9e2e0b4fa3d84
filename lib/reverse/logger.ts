import { log } from "../log/logger.ts";

/** The reverse proxy's logger (`wmproxy.reverse`). */
export const logger = log("reverse");
