// Checks of the args that are `pulumi.Input`s: a plain value (or plain part of a list or object) is
// checked now, with the others; an Output is known only at deployment, where the builders check it.
import { z } from "zod";
import { argProblems, isDeferred, parseArg } from "../arg-schema";
import { cidrSchema } from "../aws/args-schema";
import { namespaceSchema, resourcesSchema } from "./args-schema";
import { imagePinningError } from "./image-pinning";
import type { FaktoryArgs, ResourceSettings } from "./types";

/** Whether an Input is a plain value (checked up front) rather than an Output or promise (known at deployment). */
const isPlain = (value: unknown): boolean => !isDeferred(value);

/** Each part of `resources` is an Input too: only plain parts can be checked before deployment. */
export function resourcesProblems(resources: ResourceSettings | undefined): string[] {
  if (resources === undefined || !isPlain(resources)) return [];
  const { requests, limits } = resources;
  return argProblems(z.object({ resources: resourcesSchema }), {
    resources: {
      ...(requests !== undefined && isPlain(requests) ? { requests } : {}),
      ...(limits !== undefined && isPlain(limits) ? { limits } : {}),
    },
  });
}

/** Lists and their items are Inputs: the plain items are checked now, the rest at deployment. */
function listProblems(args: FaktoryArgs): string[] {
  return (
    [
      ["vpcCidrs", cidrSchema],
      ["allowedCidrs", cidrSchema],
      ["allowedNamespaces", namespaceSchema],
      ["scalerNamespaces", namespaceSchema],
    ] as const
  ).flatMap(([key, item]) => {
    const list = args[key];
    if (!Array.isArray(list)) return [];
    return list.flatMap((value: unknown, i: number) => {
      if (typeof value !== "string") return [];
      const parsed = parseArg([key, i], item, value);
      return parsed.ok ? [] : parsed.problems;
    });
  });
}

/** The two args every caller must give (a JavaScript caller may leave them out). */
function requiredProblems(args: FaktoryArgs): string[] {
  const required = {
    image: "the container image, pinned by tag or digest",
    vpcCidrs: 'the VPC\'s CIDRs, e.g. ["10.0.0.0/16"]',
  } as const;
  return (Object.keys(required) as (keyof typeof required)[])
    .filter((key) => args[key] === undefined)
    .map((key) => `${key} is required: ${required[key]}`);
}

/** Every problem of the plain parts of the Input args. */
export function inputProblems(args: FaktoryArgs): string[] {
  const image = typeof args.image === "string" ? imagePinningError(args.image) : undefined;
  const namespace =
    typeof args.namespace === "string" ? parseArg("namespace", namespaceSchema, args.namespace) : undefined;
  return [
    ...requiredProblems(args),
    ...(image !== undefined ? [image] : []),
    ...(namespace !== undefined && !namespace.ok ? namespace.problems : []),
    ...resourcesProblems(args.resources),
    ...listProblems(args),
  ];
}
