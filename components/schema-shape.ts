// Walking a zod schema along a path of keys, for messages that list the keys allowed where an
// unknown one was given (zod's `unrecognized_keys` issue names the stranger, not the known keys).

type SchemaNode = {
  shape?: Record<string, unknown>;
  def?: { innerType?: unknown; in?: unknown; element?: unknown; options?: unknown };
};

/** A schema without its optional/default/prefault/pipe wrappers (a union stays a union). */
export function unwrapSchema(schema: unknown): SchemaNode | undefined {
  let node = schema as SchemaNode | undefined;
  while (node?.def !== undefined && (node.def.innerType ?? node.def.in) !== undefined) {
    node = (node.def.innerType ?? node.def.in) as SchemaNode;
  }
  return node;
}

/** The object shape of a schema, through its wrappers; undefined when it is not an object. */
export function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  return unwrapSchema(schema)?.shape;
}

/** The schema at a path of keys (and list indexes) inside a schema, without its wrappers. */
export function schemaAt(schema: unknown, path: readonly PropertyKey[]): SchemaNode | undefined {
  let node: unknown = schema;
  for (const segment of path) {
    node =
      typeof segment === "number" ? unwrapSchema(node)?.def?.element : shapeOf(node)?.[segment as string];
  }
  return unwrapSchema(node);
}

/** The keys allowed at a path of a schema (empty where there is no object). */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  return Object.keys(schemaAt(schema, path)?.shape ?? {});
}
