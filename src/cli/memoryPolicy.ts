import { setFlagsFromString } from "node:v8"

/**
 * The CLI streams: it keeps the dedup index and a few batches, and everything else it allocates is
 * garbage within milliseconds. V8's default lets the old generation grow to about four times what is
 * live before collecting it, which on a long run is 100+ MB of dead conversations. Growing the heap by
 * half instead keeps a 100k-conversation run within a few megabytes of a 10k one, at no measured cost
 * in speed (docs/benchmarks.md). The flag is read each time V8 sizes the heap, so setting it at start-up
 * works; library users keep their own process's settings.
 */
export const keepHeapSmall = () => setFlagsFromString("--heap-growing-percent=50")
