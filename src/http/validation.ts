/**
 * Request parsing against TypeBox schemas. Bodies are checked strictly (a string is never coerced into a
 * number); query strings are converted first, since every query value arrives as text. Unknown fields and
 * parameters are ignored, as Svix's SDKs send some that Herald does not know (svix-api.md §12.8).
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { ValidationError, type ValidationIssue } from "../domain/errors.js";

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

function pathSegments(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * For a value that matches no branch of a union, TypeBox says only "Expected union value". Most of Herald's
 * unions are `X | null`, so the useful message is why the value is not an X: the first error of the first
 * branch that is not `null`.
 */
function explained(error: ValueError): ValueError {
  if (error.type !== ValueErrorType.Union || !isNullable(error.schema)) return error;
  for (const branch of error.errors) {
    const first = branch.First();
    if (first && first.type !== ValueErrorType.Null) return explained(first);
  }
  return error;
}

/** `X | null`: a union of exactly two branches, one of them `null`. Other unions keep TypeBox's message. */
function isNullable(schema: TSchema): boolean {
  const branches: unknown = (schema as { anyOf?: unknown }).anyOf;
  return (
    Array.isArray(branches) &&
    branches.length === 2 &&
    branches.some((branch) => (branch as { type?: unknown }).type === "null")
  );
}

function issuesOf(check: TypeCheck<TSchema>, value: unknown, part: "body" | "query"): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const reported of check.Errors(value)) {
    const error = explained(reported);
    const loc = [part, ...pathSegments(error.path)] as const;
    const key = loc.join("/");
    // TypeBox reports a union mismatch once per branch; one message per location is enough.
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({
      loc,
      msg: value === undefined && part === "body" ? "A JSON body is required" : error.message,
      type: "value_error.jsondecode",
    });
    if (issues.length >= 20) break;
  }
  return issues;
}

/** Returns the body typed by `schema`, or throws a 422 naming every offending field. */
export function parseBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  const check = checkerFor(schema);
  if (check.Check(body)) return body;
  if (body === undefined || body === null) {
    throw ValidationError.field(["body"], "A JSON body is required", "value_error.missing");
  }
  throw new ValidationError(issuesOf(check, body, "body"));
}

/** Returns the query string typed by `schema` (numbers and booleans converted), or throws a 422. */
export function parseQuery<T extends TSchema>(schema: T, query: unknown): Static<T> {
  const check = checkerFor(schema);
  const converted = Value.Convert(schema, query ?? {});
  if (check.Check(converted)) return converted;
  throw new ValidationError(issuesOf(check, converted, "query"));
}
