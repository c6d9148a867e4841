import { Cause, Effect, Option, Queue, Stream, Take } from "effect"

/**
 * `Stream.mapEffect` with `concurrency` workers, in completion order — as long-lived worker fibers
 * pulling from a bounded queue rather than a fiber per element, which keeps the per-item cost in
 * microseconds (the pipeline benchmark measures it). A failure upstream or in `f` fails the stream;
 * stopping the stream interrupts the workers and with them any call in flight.
 */
export const mapEffectPool = <A, B, E2, R2>(f: (a: A) => Effect.Effect<B, E2, R2>, concurrency: number) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<B, E | E2, R | R2> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const workers = Math.max(1, concurrency)
    const input = yield* Queue.bounded<Option.Option<A>>(workers * 2)
    const output = yield* Queue.bounded<Take.Take<B, E | E2>>(workers * 2)
    const fail = (cause: Cause.Cause<E | E2>) => Queue.offer(output, Take.failCause(cause))
    yield* Stream.runForEach(self, (a) => Queue.offer(input, Option.some(a))).pipe(
      Effect.zipRight(Effect.forEach(Array.from({ length: workers }), () => Queue.offer(input, Option.none()), { discard: true })),
      Effect.catchAllCause(fail),
      Effect.forkScoped
    )
    let running = workers
    const worker = Effect.gen(function*() {
      while (true) {
        const next = yield* Queue.take(input)
        if (Option.isNone(next)) break
        yield* Queue.offer(output, Take.of(yield* f(next.value)))
      }
      if (--running === 0) yield* Queue.offer(output, Take.end)
    }).pipe(Effect.catchAllCause(fail))
    for (let i = 0; i < workers; i++) yield* Effect.forkScoped(worker)
    return Stream.fromQueue(output).pipe(Stream.flattenTake)
  }))
