import type { z } from "zod";
import { storable } from "./fields.ts";

// String formats whose pattern admits neither NUL nor surrogates (ASCII-only regexes in zod).
const asciiFormats = new Set(["uuid", "guid", "email", "datetime", "date", "time", "cuid", "ulid"]);

interface Def {
  type: string;
  format?: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
}

/** Paths of string fields in a schema that do not refuse NUL and unpaired surrogates. */
export function unguardedStrings(schema: z.ZodType, path = "input"): string[] {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const children = (entries: Array<[string, z.ZodType | null | undefined]>) =>
    entries.flatMap(([name, child]) => (child ? unguardedStrings(child, `${path}${name}`) : []));
  switch (def.type) {
    case "string":
      if (def.format && asciiFormats.has(def.format)) return [];
      return def.checks?.includes(storable) ? [] : [path];
    case "object":
      return children(Object.entries(def.shape ?? {}).map(([k, v]) => [`.${k}`, v]));
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return children([["", def.innerType]]);
    case "array":
      return children([["[]", def.element]]);
    case "union":
      return children((def.options ?? []).map((o, i) => [`|${i}`, o]));
    case "intersection":
      return children([
        ["&0", def.left],
        ["&1", def.right],
      ]);
    case "pipe":
      return children([["", def.in]]);
    case "record":
      return children([
        ["{key}", def.keyType],
        ["{value}", def.valueType],
      ]);
    case "tuple":
      return children([
        ...(def.items ?? []).map((item, i) => [`[${i}]`, item] as [string, z.ZodType]),
        ["[]", def.rest],
      ]);
    default:
      return [];
  }
}

/**
 * Refuses, when a contract is defined, an input with a string field that would let NUL or an
 * unpaired surrogate through: every string field must be built from `text()` (or a strict format
 * such as `z.uuid()`), so the gateway and the service both answer BAD_REQUEST naming the field.
 */
export function assertStorableInput(where: string, schema: z.ZodType): void {
  const unguarded = unguardedStrings(schema);
  if (unguarded.length > 0) {
    throw new Error(
      `${where}: string fields must be built from text() in @portico/contracts fields.ts: ${unguarded.join(", ")}`,
    );
  }
}
