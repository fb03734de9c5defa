// The schema of a component's `extraEnv`: plain `{ name, value }` variables, each name an environment
// variable name, given once, and not one the component sets itself (each component says which and why).
import { z } from "zod";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Extra plain environment variables; `ownName` returns, for a name the component sets, the rest of the
 * message after "is set by the component " (which, and what to set instead), else undefined.
 */
export function extraEnvListSchema(ownName: (name: string) => string | undefined) {
  return z
    .array(
      z
        .object({
          name: z.string().superRefine((name, ctx) => {
            if (!ENV_NAME.test(name)) {
              ctx.addIssue({
                code: "custom",
                message:
                  "must be an environment variable name (letters, digits, '_', not starting with a digit)",
              });
              return;
            }
            const why = ownName(name);
            if (why !== undefined)
              ctx.addIssue({ code: "custom", message: `is set by the component ${why}` });
          }),
          value: z.string({ message: "must be a string (quote numbers and booleans)" }),
        })
        .strict(),
      { message: 'must be a list of { name, value }, e.g. [{ name: "TZ", value: "UTC" }]' },
    )
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((e, i) => {
        if (seen.has(e.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "is given twice" });
        seen.add(e.name);
      });
    });
}
