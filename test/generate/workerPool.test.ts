import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Either, Fiber, Stream } from "effect"
import { mapEffectPool } from "../../src/generate/workerPool.js"

describe("the worker pool", () => {
  it.effect("maps every element once, at most `concurrency` at a time, in batches of what has finished", () =>
    Effect.gen(function*() {
      let running = 0
      let most = 0
      const f = (n: number) =>
        Effect.gen(function*() {
          running++
          most = Math.max(most, running)
          for (let i = 0; i < n % 3; i++) yield* Effect.yieldNow()
          running--
          return n * 2
        })
      const chunks = yield* Stream.range(1, 200).pipe(mapEffectPool(f, 8), Stream.chunks, Stream.runCollect)
      const values = Chunk.toReadonlyArray(chunks).flatMap((c) => Chunk.toReadonlyArray(c))
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => (i + 1) * 2))
      expect(most).toBe(8)
      // Instant work finishes faster than it is taken: the stage after the pool sees batches.
      const instant = yield* Stream.range(1, 1000).pipe(mapEffectPool((n: number) => Effect.succeed(n), 4), Stream.chunks, Stream.runCollect)
      expect(Chunk.toReadonlyArray(instant).some((c) => c.length > 1)).toBe(true)
    }))

  it.effect("hands on what finished before a failure, then fails with it", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const result = yield* Stream.range(1, 50).pipe(
        mapEffectPool((n: number) => (n === 20 ? Effect.fail("boom" as const) : Effect.succeed(n)), 1),
        Stream.runForEach((n) => Effect.sync(() => seen.push(n))),
        Effect.either
      )
      expect(result).toEqual(Either.left("boom"))
      expect(seen).toEqual(Array.from({ length: 19 }, (_, i) => i + 1))
    }))

  it.effect("fails with an upstream failure, and an empty source ends at once", () =>
    Effect.gen(function*() {
      const upstream = yield* Stream.concat(Stream.make(1, 2), Stream.fail("upstream" as const)).pipe(
        mapEffectPool((n: number) => Effect.succeed(n), 4),
        Stream.runCollect,
        Effect.either
      )
      expect(upstream).toEqual(Either.left("upstream"))
      expect(Chunk.size(yield* Stream.empty.pipe(mapEffectPool((n: number) => Effect.succeed(n), 4), Stream.runCollect))).toBe(0)
    }))

  it.effect("interrupts the work in flight when the stream stops", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      let interrupted = 0
      const fiber = yield* Stream.range(1, 10).pipe(
        mapEffectPool(() => Deferred.succeed(started, undefined).pipe(Effect.zipRight(Effect.never), Effect.onInterrupt(() => Effect.sync(() => interrupted++))), 3),
        Stream.runDrain,
        Effect.fork
      )
      yield* Deferred.await(started)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      expect(interrupted).toBe(3)
    }))
})
