import { Cause, Chunk, Effect, Option, Queue, Stream } from "effect"

/** Finished items the pool holds for the stages after it (see below). */
const OUTPUT_ROOM = 256

const END = Symbol("agentic-synth/workerPool/end")
type End = typeof END

class Failed<E> {
  constructor(readonly cause: Cause.Cause<E>) {}
}

/**
 * `Stream.mapEffect` with `concurrency` workers, in completion order — as long-lived worker fibers
 * pulling from a bounded queue rather than a fiber per element, and emitting whatever has finished as
 * one chunk, so the stages after it pay per batch, not per element (the pipeline benchmark measures
 * it). A failure upstream or in `f` fails the stream; stopping the stream interrupts the workers and
 * with them any call in flight.
 */
export const mapEffectPool = <A, B, E2, R2>(f: (a: A) => Effect.Effect<B, E2, R2>, concurrency: number) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<B, E | E2, R | R2> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const workers = Math.max(1, concurrency)
    // Room for a few hundred finished items: when the stages after the pool are the slower side (an
    // instant local server), they take them in batches that large, and their costs per batch (a write
    // per file, a message to a review thread, a fiber or two) are spread over more items. In the
    // pipeline benchmark 256 gave a fifth more conversations a second than 64 (medians of five
    // alternating runs, 6,526 and 5,375) for a tenth more peak memory.
    const output = yield* Queue.bounded<B | End | Failed<E | E2>>(Math.max(OUTPUT_ROOM, workers * 4))
    const fail = (cause: Cause.Cause<E | E2>) => Queue.offer(output, new Failed(cause))
    // A chunk upstream can hold thousands of items: offered whole to a queue of `workers * 2`, the
    // queue would keep the rest as a list built item by item; a slice at a time it does not.
    const room = workers * 2
    const input = yield* Queue.bounded<A | End>(room)
    const feed = (chunk: Chunk.Chunk<A>) =>
      Effect.suspend(() => {
        const items = Chunk.toReadonlyArray(chunk)
        if (items.length <= room) return Queue.offerAll(input, items)
        return Effect.gen(function*() {
          for (let at = 0; at < items.length; at += room) yield* Queue.offerAll(input, items.slice(at, at + room))
        })
      })
    yield* Stream.runForEachChunk(self, feed).pipe(
      Effect.zipRight(Queue.offerAll(input, Array.from({ length: workers }, (): End => END))),
      Effect.catchAllCause(fail),
      Effect.forkScoped
    )
    let running = workers
    const worker = Effect.gen(function*() {
      while (true) {
        const next = yield* Queue.take(input)
        if (next === END) break
        yield* Queue.offer(output, yield* f(next))
      }
      if (--running === 0) yield* Queue.offer(output, END)
    }).pipe(Effect.catchAllCause(fail))
    for (let i = 0; i < workers; i++) yield* Effect.forkScoped(worker)

    // Ended, or failed: what the next pull answers once the values taken before it are out.
    let last: Effect.Effect<never, Option.Option<E | E2>> | undefined
    const pull: Effect.Effect<Chunk.Chunk<B>, Option.Option<E | E2>> = Effect.suspend(() =>
      last ?? Effect.flatMap(Queue.takeBetween(output, 1, Number.MAX_SAFE_INTEGER), (taken) => {
        const values: Array<B> = []
        for (const x of taken) {
          if (x === END) {
            last = Effect.fail(Option.none())
            break
          }
          if (x instanceof Failed) {
            last = Effect.failCause(Cause.map(x.cause, Option.some))
            break
          }
          values.push(x)
        }
        return values.length === 0 ? last! : Effect.succeed(Chunk.unsafeFromArray(values))
      })
    )
    return Stream.repeatEffectChunkOption(pull)
  }))
