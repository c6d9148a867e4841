import type * as HttpClient from "@effect/platform/HttpClient"
import { Clock, Deferred, Duration, Effect, Either, Schedule, type Scope } from "effect"
import type { RetrySettings } from "../config/ConfigSchema.js"
import { NO_PROVIDER, ProviderError } from "../domain/ProviderError.js"
import { MODEL_NOT_SERVED, OVERSIZED_CODES } from "./classify.js"
import { type ChatRequest, estimatePromptTokens } from "./ChatRequest.js"
import { type Completion, reasoningOf } from "./ChatResponse.js"
import { type EndpointConfig, send } from "./Endpoint.js"
import { Limiter } from "./Limiter.js"
import type { Exhaustion } from "./QuotaStore.js"

/** One provider in the pool: where it is and how fast it may go. */
export interface Member {
  readonly endpoint: EndpointConfig
  readonly limiter: Limiter
}

/** What the progress line and the manifest show for a provider. */
export interface ProviderStatus {
  readonly provider: string
  readonly model: string
  /** `ready`, `cooling 12 s`, `quota exhausted`, `unauthorized`, `unreachable`, `out (see its error)`. */
  readonly state: string
  readonly stats: Limiter["stats"]
}

interface Job {
  readonly request: ChatRequest
  readonly tokens: number
  readonly done: Deferred.Deferred<Completion, ProviderError>
  attempts: number
  rateLimited: number
  /** Sent before to a provider that then dropped out. */
  moved: boolean
  cancelled: boolean
  retries: Schedule.ScheduleDriver<unknown, unknown> | undefined
}

/** A request may be re-queued after this many 429s before it fails as `RateLimited`. */
const MAX_RATE_LIMITED = 25
/** When every provider is out of quota, wait at most this long for the soonest to come back. */
const MAX_QUOTA_WAIT_MS = 10 * 60_000
/** Without a `max_tokens`, reserve this much completion when pacing tokens. */
const DEFAULT_COMPLETION_TOKENS = 1024

export interface PoolOptions {
  readonly members: ReadonlyArray<Member>
  readonly retry: RetrySettings
  /** Called whenever a provider's exhaustion changes, to persist it. */
  readonly onExhausted: (entries: ReadonlyArray<Exhaustion>) => Effect.Effect<void>
  /** Entries remembered from earlier runs for providers outside this pool: kept when saving. */
  readonly keep?: ReadonlyArray<Exhaustion>
}

const withAttempts = (error: ProviderError, attempts: number) =>
  new ProviderError({
    provider: error.provider,
    reason: error.reason,
    message: error.message,
    attempts,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs })
  })

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`

/**
 * Routes each request to whichever provider can take it soonest. One dispatcher fiber takes the
 * queue in order, asks every limiter when it could send, sends on the earliest, and re-queues what
 * a provider rate-limited, ran out of quota for, or failed on: a 429 is paced by the limiter, never
 * retried blindly; passing faults are retried through a `Schedule`; a provider that is unauthorized
 * or out of quota drops out and the others carry on.
 */
export const makePool = (options: PoolOptions): Effect.Effect<
  {
    readonly complete: (request: ChatRequest) => Effect.Effect<Completion, ProviderError>
    readonly status: Effect.Effect<ReadonlyArray<ProviderStatus>>
  },
  never,
  HttpClient.HttpClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const { members, retry } = options
    const pending: Array<Job> = []
    let wake = yield* Deferred.make<void>()
    const signal = Effect.suspend(() => {
      const previous = wake
      return Deferred.make<void>().pipe(
        Effect.tap((next) => Effect.sync(() => (wake = next))),
        Effect.zipRight(Deferred.succeed(previous, undefined))
      )
    })
    const schedule = Schedule.exponential(Duration.millis(retry.base_delay_ms)).pipe(
      Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.millis(retry.max_delay_ms))),
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(Math.max(0, retry.attempts - 1)))
    )

    const persistExhaustion = Effect.suspend(() =>
      options.onExhausted([
        ...(options.keep ?? []),
        ...members.flatMap((m) => {
          const exhausted = m.limiter.exhaustion()
          return exhausted === undefined
            ? []
            : [{ provider: m.endpoint.name, model: m.endpoint.settings.model, until: exhausted.until, message: exhausted.message }]
        })
      ])
    )

    /** The error a request gets when no provider is left to try. */
    const noneLeft = (now: number): ProviderError => {
      const reasons = members.map((m) => {
        const state = m.limiter.state(now)
        return state._tag === "dead" ? state.error.message : state._tag === "exhausted" ? `${m.endpoint.name}: ${state.message}` : m.endpoint.name
      })
      const states = members.map((m) => m.limiter.state(now))
      const firstDead = states.find((s) => s._tag === "dead")
      const allDead = states.every((s) => s._tag === "dead")
      const unreachable = allDead && states.every((s) => s._tag === "dead" && s.error.code === "unreachable")
      return new ProviderError({
        provider: members.map((m) => m.endpoint.name).join("+"),
        reason: allDead && firstDead?._tag === "dead" ? firstDead.error.reason : "QuotaExhausted",
        // With every provider out for good, each further request would fail the same way.
        ...(unreachable ? { code: "unreachable" } : allDead ? { code: NO_PROVIDER } : {}),
        message: `no provider can take requests: ${reasons.join("; ")}`
      })
    }

    const finish = (job: Job, result: Either.Either<Completion, ProviderError>) =>
      Deferred.complete(job.done, Either.match(result, { onLeft: Effect.fail, onRight: Effect.succeed })).pipe(Effect.zipRight(signal))

    /** Takes a job out of the queue by identity (a retry may have been put in front of it meanwhile). */
    const take = (job: Job) => {
      const index = pending.indexOf(job)
      if (index >= 0) pending.splice(index, 1)
    }

    const requeue = (job: Job) =>
      Effect.sync(() => {
        if (!job.cancelled) pending.unshift(job)
      }).pipe(Effect.zipRight(signal))

    const run = (job: Job, member: Member, ticket: ReturnType<Limiter["admit"]>) =>
      Effect.gen(function*() {
        if (job.attempts > 0 || job.rateLimited > 0 || job.moved) member.limiter.stats.retries++
        job.attempts++
        const started = yield* Clock.currentTimeMillis
        const reply = yield* send(member.endpoint, job.request)
        const now = yield* Clock.currentTimeMillis
        const error = Either.isLeft(reply.outcome) ? reply.outcome.left : undefined
        const response = Either.isRight(reply.outcome) ? reply.outcome.right : undefined
        const usage = response?.usage ?? undefined
        const before = member.limiter.exhaustion()
        member.limiter.settle(ticket, { usage, error }, reply.limits, now)
        if (member.limiter.exhaustion() !== before) yield* persistExhaustion
        yield* Effect.annotateLogs(
          Effect.logDebug(error === undefined ? "completion" : `provider error: ${error.reason}`),
          { provider: member.endpoint.name, status: reply.status ?? 0, ms: now - started }
        )
        if (response !== undefined) {
          const choice = response.choices[0]
          return yield* finish(job, Either.right({
            provider: member.endpoint.name,
            model: response.model ?? member.endpoint.settings.model,
            response,
            content: choice.message.content ?? "",
            finishReason: choice.finish_reason ?? undefined,
            reasoning: reasoningOf(choice.message),
            usage: { prompt_tokens: usage?.prompt_tokens ?? 0, completion_tokens: usage?.completion_tokens ?? 0 },
            attempts: job.attempts
          }))
        }
        const failure = withAttempts(error!, job.attempts)
        switch (failure.reason) {
          case "RateLimited":
            job.attempts--
            if (++job.rateLimited > MAX_RATE_LIMITED) return yield* finish(job, Either.left(failure))
            return yield* requeue(job)
          case "QuotaExhausted":
          case "Unauthorized":
            // The provider drops out; another may still take the request.
            job.attempts--
            job.moved = true
            return yield* requeue(job)
          case "BadRequest":
            if (failure.code === MODEL_NOT_SERVED || (OVERSIZED_CODES.has(failure.code ?? "") && member.limiter.state(now)._tag === "dead")) {
              // A wrong model or URL, or a context too small for every request, on this provider (it
              // dropped out): not a fault of the request, which another provider may take.
              job.attempts--
              job.moved = true
              return yield* requeue(job)
            }
            return yield* finish(job, Either.left(failure))
          case "Unavailable":
          case "Timeout":
          case "InvalidResponse": {
            job.retries ??= yield* Schedule.driver(schedule)
            const again = yield* Effect.either(job.retries.next(failure))
            return yield* Either.isLeft(again) ? finish(job, Either.left(failure)) : requeue(job)
          }
        }
      })

    const scope = yield* Effect.scope
    const dispatch = Effect.gen(function*() {
      while (true) {
        while (pending.length > 0 && pending[0]!.cancelled) pending.shift()
        const job = pending[0]
        const waitFor = wake
        if (job === undefined) {
          yield* Deferred.await(waitFor)
          continue
        }
        const now = yield* Clock.currentTimeMillis
        const usable = members.filter((m) => m.limiter.usable(now))
        if (usable.length === 0) {
          // Every provider is out. A quota back within minutes (Groq's "try again in 6m54s") is waited
          // for; anything longer fails the request, to be retried by the next run.
          const soonest = Math.min(...members.map((m) => {
            const state = m.limiter.state(now)
            return state._tag === "exhausted" ? state.until : Infinity
          }))
          if (soonest - now <= MAX_QUOTA_WAIT_MS) {
            yield* Effect.raceFirst(Deferred.await(waitFor), Effect.sleep(Duration.millis(Math.max(1, soonest - now))))
            continue
          }
          take(job)
          yield* finish(job, Either.left(noneLeft(now)))
          continue
        }
        let best: Member | undefined
        let bestAt = Infinity
        for (const member of usable) {
          const at = member.limiter.readyAt(job.tokens, now)
          if (at < bestAt) {
            best = member
            bestAt = at
          }
        }
        if (best === undefined || bestAt > now) {
          // Wait for the earliest provider, or for a release that may free one sooner.
          const wait = bestAt === Infinity ? 1000 : Math.max(1, bestAt - now)
          yield* Effect.raceFirst(Deferred.await(waitFor), Effect.sleep(Duration.millis(wait)))
          continue
        }
        take(job)
        const member = best
        const ticket = member.limiter.admit(job.tokens, now)
        // A defect in a send must neither leave its caller waiting forever nor keep its slot.
        yield* Effect.forkIn(
          run(job, member, ticket).pipe(
            Effect.catchAllCause((cause) =>
              Effect.gen(function*() {
                if (!ticket.settled) {
                  const at = yield* Clock.currentTimeMillis
                  member.limiter.settle(ticket, { error: new ProviderError({ provider: member.endpoint.name, reason: "InvalidResponse", message: "the send failed unexpectedly" }) }, {}, at)
                }
                yield* Deferred.failCause(job.done, cause)
                yield* signal
              })
            )
          ),
          scope
        )
      }
    })
    yield* Effect.forkScoped(dispatch)

    const complete = (request: ChatRequest) =>
      Effect.flatMap(Deferred.make<Completion, ProviderError>(), (done) => {
        const job: Job = {
          request,
          tokens: estimatePromptTokens(request) + (request.max_tokens ?? DEFAULT_COMPLETION_TOKENS),
          done,
          attempts: 0,
          rateLimited: 0,
          moved: false,
          cancelled: false,
          retries: undefined
        }
        // Cancelled however the caller is interrupted, even before it starts waiting.
        return Effect.sync(() => pending.push(job)).pipe(
          Effect.zipRight(signal),
          Effect.zipRight(Deferred.await(done)),
          Effect.onInterrupt(() => Effect.sync(() => (job.cancelled = true)))
        )
      })

    const status = Effect.map(Clock.currentTimeMillis, (now) =>
      members.map((m): ProviderStatus => {
        const state = m.limiter.state(now)
        return {
          provider: m.endpoint.name,
          model: m.endpoint.settings.model,
          state: state._tag === "ready"
            ? "ready"
            : state._tag === "cooling"
            ? `cooling ${seconds(state.until - now)}`
            : state._tag === "exhausted"
            ? "quota exhausted"
            : state.error.reason === "Unauthorized"
            ? "unauthorized"
            : state.error.code === "unreachable"
            ? "unreachable"
            : "out (see its error)",
          stats: { ...m.limiter.stats }
        }
      }))

    return { complete, status }
  })
