// The one form every component words an arg problem in: path, `=value` when the value may be
// repeated, then the predicate.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { argProblems, int, parseArg } from "../../components/arg-schema";

const schema = z
  .object({
    count: int("the count", 1, 3).optional(),
    label: z
      .string()
      .regex(/^[a-z]+$/, { message: "must be lowercase letters" })
      .optional(),
    nested: z
      .object({ on: z.boolean({ message: "must be true or false" }) })
      .strict()
      .optional(),
    list: z.string({ message: "must be a name" }).optional(),
  })
  .strict();

describe("arg problem messages", () => {
  it("repeats numbers, booleans and short one-line text after the path", () => {
    expect(argProblems(schema, { count: 7, label: "Agent", nested: { on: "yes" } })).toEqual([
      "count=7 must be the count: an integer from 1 to 3",
      'label="Agent" must be lowercase letters',
      'nested.on="yes" must be true or false',
    ]);
    expect(parseArg("count", int("the count", 1, 3), true)).toEqual({
      ok: false,
      problems: ["count=true must be the count: an integer from 1 to 3"],
    });
  });

  it("leaves out a value that is long, multi-line, a list or an object", () => {
    expect(argProblems(schema, { label: "A".repeat(81), list: ["a"], nested: { on: { deep: 1 } } })).toEqual([
      "label must be lowercase letters",
      "nested.on must be true or false",
      "list must be a name",
    ]);
    expect(argProblems(schema, { label: "a\nb" })).toEqual(["label must be lowercase letters"]);
  });

  it("names an unknown arg, or an unknown key inside one, with the one meant", () => {
    expect(argProblems(schema, { cont: 2, nested: { on: true, of: true } })).toEqual([
      'nested.of is not a known key; did you mean "on"?',
      'cont is not a known arg; did you mean "count"?',
    ]);
  });
});
