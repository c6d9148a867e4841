import { fileURLToPath } from "node:url"

/** The CLI of this build of the benchmarks (`npm run bench` compiles src/ beside bench/). */
export const BIN = fileURLToPath(new URL("../src/bin.js", import.meta.url))
