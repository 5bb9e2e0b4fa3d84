/**
 * The registry of benchmark cases, in the order `deno task bench` runs them.
 * @module
 */

import type { BenchCase } from "../lib/types.ts";
import { TCP_CASE } from "./tcp.ts";

/** Every case; add a new one here. */
export const CASES: readonly BenchCase[] = [TCP_CASE];
