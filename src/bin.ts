#!/usr/bin/env node
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import { runCli } from "./cli/main.js"

runCli(process.argv).pipe(
  Effect.tap((code) => Effect.sync(() => (process.exitCode = code))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // Ctrl-C (or SIGTERM) interrupts the run; its finalizers write the manifest; the exit code says so.
    teardown: (exit, onExit) =>
      onExit(Exit.isFailure(exit) ? (Cause.isInterruptedOnly(exit.cause) ? 130 : 1) : Number(process.exitCode ?? 0))
  })
)
