import { Ajv, type ValidateFunction } from "ajv"
import addFormats from "ajv-formats"

/** One ajv instance for the tool parameter schemas: strict, so a typo in a schema keyword is an error. */
export const makeAjv = (): Ajv => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true })
  addFormats.default(ajv)
  return ajv
}

/** Compiles a tool's parameters schema, or says why it cannot be used. */
export const compileParameters = (
  ajv: Ajv,
  parameters: Record<string, unknown>
): { readonly ok: true; readonly validate: ValidateFunction } | { readonly ok: false; readonly error: string } => {
  if (parameters["type"] !== "object") {
    return { ok: false, error: `parameters must be a JSON Schema with type: object, got type ${JSON.stringify(parameters["type"])}` }
  }
  try {
    return { ok: true, validate: ajv.compile(parameters) }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}
