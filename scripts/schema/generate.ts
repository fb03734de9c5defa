// The Pulumi package schema of the components other languages can use, generated from their TypeScript
// declarations: property names, types, required-ness, plain-ness, secrets, descriptions and defaults all come
// from the args interface and the component class (their JSDoc, `@default` and `@secret` tags). Syntax only: no
// type checker, so it reads four files in a few milliseconds and never loads a `@pulumi/*` declaration.
//
// What crosses a language boundary: strings, integers, booleans, lists, string-keyed maps, JSON values, named
// interfaces of those, and unions of string literals. `pulumi.Input<T>` is T with Outputs allowed; a property
// whose type is not wrapped in `pulumi.Input` is `plain` (it decides which resources exist, so it must be known
// when the component is constructed). Anything else (a function, a class instance such as a `k8s.Provider`, an
// inline object literal type) is refused with the property's path: name the type or keep it out of the args.
import * as ts from "typescript";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** A component exposed to other languages: its token, args interface and class. */
export interface ComponentSource {
  readonly token: string;
  /** The file declaring the args interface and the named types it uses (followed through relative imports). */
  readonly argsFile: string;
  /** The interface with every arg (for a union of edition shapes: their common base). */
  readonly argsInterface: string;
  /** Type aliases (unions of arg names) of args only one shape takes: they never get a schema default. */
  readonly shapeBoundAliases: readonly string[];
  readonly classFile: string;
  readonly className: string;
}

export const PACKAGE_NAME = "faktory-ha";
/** The Go SDK's module path (`sdk/go/faktoryha` in this repository); change with the repository's address. */
export const GO_IMPORT_BASE_PATH = "github.com/faktory-ha/faktory-ha/sdk/go/faktoryha";

/**
 * The components exposed. Only the Kubernetes one: the AWS components (`Network`, `Cluster`, `Redis`, `Image`,
 * `Alarms`) take or return class instances (`k8s.Provider`, `aws.Provider`, a docker-build image) and need the AWS
 * provider, which cannot be built or run here, so nothing could prove them through the engine.
 */
export const COMPONENTS: readonly ComponentSource[] = [
  {
    token: "faktory-ha:k8s:Faktory",
    argsFile: "components/k8s/types.ts",
    argsInterface: "FaktoryArgsBase",
    shapeBoundAliases: ["OssOnly", "EnterpriseOnly"],
    classFile: "components/k8s/faktory.ts",
    className: "Faktory",
  },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PropertySpec = { [key: string]: Json };
export type PackageSpec = { [key: string]: Json };

/** Reads a file; tests pass their own to generate from an edited declaration. */
export type ReadSource = (path: string) => string;

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

class SchemaError extends Error {}

/** JSDoc text of a node, one line per paragraph, and its tags. */
function jsDoc(node: ts.Node): { text: string; tags: Map<string, string> } {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs
    .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
    .join("\n\n")
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter(Boolean)
    .join("\n\n");
  const tags = new Map<string, string>();
  for (const tag of ts.getJSDocTags(node)) {
    tags.set(
      tag.tagName.text,
      (ts.getTextOfJSDocComment(tag.comment) ?? "").replace(/\s*\n\s*/g, " ").trim(),
    );
  }
  return { text, tags };
}

/** Every interface and type alias in `file` and the files it imports by relative path, by name. */
function declarations(root: string, file: string, read: ReadSource): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = ts.createSourceFile(path, read(path), ts.ScriptTarget.ES2022, true);
    for (const statement of source.statements) {
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        const name = statement.name.text;
        if (found.has(name)) throw new SchemaError(`${name} is declared twice (${path})`);
        found.set(name, statement);
      } else if (
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text.startsWith(".")
      ) {
        visit(resolve(dirname(path), `${statement.moduleSpecifier.text}.ts`));
      }
    }
  };
  visit(join(root, file));
  return found;
}

/** The string literals of a union (`"a" | "b"`), or undefined when it has anything else. */
function stringLiterals(node: ts.TypeNode): string[] | undefined {
  const members = ts.isUnionTypeNode(node) ? node.types : [node];
  const values = members.map((m) =>
    ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal) ? m.literal.text : undefined,
  );
  return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
}

const ANY: PropertySpec = { $ref: "pulumi.json#/Any" };

/** Maps the named types of one component's args to schema types (`types` of the package). */
class TypeMapper {
  readonly types: Record<string, PropertySpec> = {};
  private readonly building = new Set<string>();

  constructor(
    private readonly module: string,
    private readonly decls: Map<string, Declaration>,
  ) {}

  token(name: string): string {
    return `${PACKAGE_NAME}:${this.module}:${name}`;
  }

  /** The property spec of `node` at `path` (for messages); `input` is false outside a `pulumi.Input`. */
  property(node: ts.TypeNode, path: string): { spec: PropertySpec; plain: boolean } {
    if (ts.isTypeReferenceNode(node) && node.typeName.getText() === "pulumi.Input") {
      return { spec: this.type(this.onlyArgument(node, path), path), plain: false };
    }
    return { spec: this.type(node, path), plain: true };
  }

  private onlyArgument(node: ts.TypeReferenceNode, path: string): ts.TypeNode {
    const args = node.typeArguments ?? [];
    if (args.length !== 1) throw new SchemaError(`${path}: ${node.getText()} needs one type argument`);
    return args[0];
  }

  private type(node: ts.TypeNode, path: string): PropertySpec {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      // Every number the components take is an integer (their arg schemas check it).
      case ts.SyntaxKind.NumberKeyword:
        return { type: "integer" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.UnknownKeyword:
        return ANY;
    }
    if (ts.isParenthesizedTypeNode(node)) return this.type(node.type, path);
    if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) {
      return this.type(node.type, path);
    }
    if (ts.isArrayTypeNode(node)) return { type: "array", items: this.element(node.elementType, path) };
    if (ts.isUnionTypeNode(node)) {
      const defined = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
      if (defined.length === 1) return this.type(defined[0], path);
      // A union of string literals is a string (the component checks the value); any other union is JSON.
      return stringLiterals(node) ? { type: "string" } : ANY;
    }
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: "string" };
    if (ts.isTypeReferenceNode(node)) return this.reference(node, path);
    throw new SchemaError(`${path}: ${node.getText()} cannot cross a language boundary (name the type)`);
  }

  /** A list element or map value: Outputs are allowed inside (`pulumi.Input<string>[]`). */
  private element(node: ts.TypeNode, path: string): PropertySpec {
    return this.property(node, `${path}[]`).spec;
  }

  private reference(node: ts.TypeReferenceNode, path: string): PropertySpec {
    const name = node.typeName.getText();
    if (name === "Readonly") return this.type(this.onlyArgument(node, path), path);
    if (name === "Record") {
      const [key, value] = node.typeArguments ?? [];
      if (key?.kind !== ts.SyntaxKind.StringKeyword || !value) {
        throw new SchemaError(`${path}: only Record<string, T> crosses a language boundary`);
      }
      return { type: "object", additionalProperties: this.element(value, path) };
    }
    const decl = this.decls.get(name);
    if (!decl)
      throw new SchemaError(`${path}: ${name} cannot cross a language boundary (not a declared type)`);
    if (ts.isTypeAliasDeclaration(decl)) {
      const literals = stringLiterals(decl.type);
      if (literals) return { $ref: `#/types/${this.enumType(name, decl, literals)}` };
      // A union of several kinds (a JSON value) is Any; anything else is what it aliases.
      return ts.isUnionTypeNode(decl.type) ? ANY : this.type(decl.type, path);
    }
    return { $ref: `#/types/${this.objectType(name, decl)}` };
  }

  private enumType(name: string, decl: ts.TypeAliasDeclaration, values: string[]): string {
    const token = this.token(name);
    this.types[token] = {
      ...describe(jsDoc(decl).text),
      type: "string",
      enum: values.map((value) => ({ value })),
    };
    return token;
  }

  private objectType(name: string, decl: ts.InterfaceDeclaration): string {
    const token = this.token(name);
    if (this.types[token] || this.building.has(token)) return token;
    if (decl.heritageClauses?.length) throw new SchemaError(`${name}: an interface that extends another`);
    this.building.add(token);
    const { properties, required } = this.properties(decl, name, new Set());
    this.types[token] = {
      ...describe(jsDoc(decl).text),
      type: "object",
      properties,
      ...(required.length ? { required } : {}),
    };
    this.building.delete(token);
    return token;
  }

  /** The properties of an interface: specs with descriptions, defaults, `plain` and `secret`. */
  properties(
    decl: ts.InterfaceDeclaration,
    path: string,
    shapeBound: ReadonlySet<string>,
  ): { properties: Record<string, PropertySpec>; required: string[] } {
    const properties: Record<string, PropertySpec> = {};
    const required: string[] = [];
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || !member.type) {
        throw new SchemaError(`${path}: ${member.getText()} is not a typed property`);
      }
      const name = member.name.getText();
      const { spec, plain } = this.property(member.type, `${path}.${name}`);
      const { text, tags } = jsDoc(member);
      const values = allowedValues(member.type);
      const defaultText = tags.get("default");
      const literal = shapeBound.has(name) ? undefined : defaultLiteral(defaultText, spec, `${path}.${name}`);
      properties[name] = {
        ...spec,
        ...describe(values ? `${text} One of ${values}.`.trim() : text, defaultText),
        ...(literal !== undefined ? { default: literal } : {}),
        ...(plain ? { plain: true } : {}),
        ...(tags.has("secret") ? { secret: true } : {}),
      };
      if (!member.questionToken) required.push(name);
    }
    return { properties, required };
  }
}

/** "`a`, `b`" for a property typed as an inline union of string literals (a named one is an enum type). */
function allowedValues(node: ts.TypeNode): string | undefined {
  const inner =
    ts.isTypeReferenceNode(node) && node.typeName.getText() === "pulumi.Input"
      ? node.typeArguments?.[0]
      : node;
  return inner && ts.isUnionTypeNode(inner)
    ? stringLiterals(inner)
        ?.map((v) => `\`${v}\``)
        .join(", ")
    : undefined;
}

/** `description`, with the `@default` text as its last line. */
function describe(text: string, defaultText?: string): PropertySpec {
  const parts = [text, defaultText !== undefined ? `Default: ${defaultText}.` : ""].filter(Boolean);
  return parts.length ? { description: parts.join("\n\n") } : {};
}

/**
 * A `@default` that is exactly one JSON string, number or boolean becomes the schema default (SDKs apply it);
 * prose (`@default 1 (enterprise), 0 (oss)`) stays in the description only. A literal of the wrong type fails.
 */
function defaultLiteral(text: string | undefined, spec: PropertySpec, path: string): Json | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const kind = typeof value === "number" ? "integer" : typeof value;
  if (!["string", "integer", "boolean"].includes(kind)) return undefined;
  const expected = spec.$ref ? "string" : spec.type;
  if (kind !== expected) throw new SchemaError(`${path}: @default ${text} is not a ${String(expected)}`);
  if (kind === "integer" && !Number.isInteger(value)) {
    throw new SchemaError(`${path}: @default ${text} is not an integer`);
  }
  return value as Json;
}

/** The string literals of a type alias of arg names (`type OssOnly = "a" | "b"`). */
function aliasNames(decls: Map<string, Declaration>, alias: string): string[] {
  const decl = decls.get(alias);
  const names = decl && ts.isTypeAliasDeclaration(decl) ? stringLiterals(decl.type) : undefined;
  if (!names) throw new SchemaError(`${alias} is not a union of arg names`);
  return names;
}

/** The component class's public `pulumi.Output<T>` properties: the resource's outputs. */
function outputs(root: string, component: ComponentSource, mapper: TypeMapper, read: ReadSource) {
  const path = join(root, component.classFile);
  const source = ts.createSourceFile(path, read(path), ts.ScriptTarget.ES2022, true);
  const cls = source.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === component.className,
  );
  if (!cls) throw new SchemaError(`no class ${component.className} in ${component.classFile}`);
  const properties: Record<string, PropertySpec> = {};
  const required: string[] = [];
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member) || !member.type) continue;
    const modifiers = ts.getModifiers(member) ?? [];
    if (
      modifiers.some(
        (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
      )
    )
      continue;
    const type = member.type;
    if (!ts.isTypeReferenceNode(type) || type.typeName.getText() !== "pulumi.Output") continue;
    const name = member.name.getText();
    const inner = type.typeArguments?.[0];
    if (!inner) throw new SchemaError(`${component.className}.${name}: pulumi.Output without a type`);
    const optional =
      ts.isUnionTypeNode(inner) && inner.types.some((t) => t.kind === ts.SyntaxKind.UndefinedKeyword);
    const { text, tags } = jsDoc(member);
    properties[name] = {
      ...mapper.property(inner, `${component.className}.${name}`).spec,
      ...describe(text),
      ...(tags.has("secret") ? { secret: true } : {}),
    };
    if (!optional) required.push(name);
  }
  return { properties, required, description: jsDoc(cls).text };
}

/** The package schema of `COMPONENTS`, from the sources under `root`. */
export function generateSchema(root: string, read: ReadSource = (p) => readFileSync(p, "utf8")): PackageSpec {
  const pkg = JSON.parse(read(join(root, "package.json"))) as { version: string; license: string };
  const resources: Record<string, PropertySpec> = {};
  const types: Record<string, PropertySpec> = {};
  for (const component of COMPONENTS) {
    const module = component.token.split(":")[1];
    const decls = declarations(root, component.argsFile, read);
    const mapper = new TypeMapper(module, decls);
    const args = decls.get(component.argsInterface);
    if (!args || !ts.isInterfaceDeclaration(args)) {
      throw new SchemaError(`no interface ${component.argsInterface} in ${component.argsFile}`);
    }
    const shapeBound = new Set(component.shapeBoundAliases.flatMap((a) => aliasNames(decls, a)));
    const inputs = mapper.properties(args, component.argsInterface, shapeBound);
    const out = outputs(root, component, mapper, read);
    resources[component.token] = {
      isComponent: true,
      description: out.description,
      inputProperties: inputs.properties,
      requiredInputs: inputs.required,
      properties: out.properties,
      required: out.required,
    };
    Object.assign(types, mapper.types);
  }
  return {
    name: PACKAGE_NAME,
    displayName: "Faktory HA",
    version: pkg.version,
    description: "Resilient Faktory on Kubernetes: a supervised StatefulSet with fenced failover.",
    keywords: ["pulumi", "faktory", "kubernetes", "kind/component", "category/infrastructure"],
    license: pkg.license,
    resources,
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
    // Packable SDKs: the Go SDK gets its go.mod, the Python one a pyproject.toml.
    meta: { supportPack: true },
    language: {
      go: { importBasePath: GO_IMPORT_BASE_PATH, generateResourceContainerTypes: false },
      python: { packageName: "faktory_ha", requires: { pulumi: ">=3.0.0,<4.0.0" } },
      csharp: { rootNamespace: "FaktoryHa", packageReferences: { Pulumi: "3.*" } },
    },
  };
}

/** Where two schemas differ, one line per difference (`resources.….webUi: only in the checked-in schema`). */
export function schemaDifferences(checkedIn: Json, fresh: Json, path = ""): string[] {
  const isObject = (v: Json): v is { [key: string]: Json } =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(checkedIn) && isObject(fresh)) {
    const keys = [...new Set([...Object.keys(checkedIn), ...Object.keys(fresh)])];
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!(key in fresh)) return [`${at}: only in the checked-in schema`];
      if (!(key in checkedIn)) return [`${at}: missing from the checked-in schema`];
      return schemaDifferences(checkedIn[key], fresh[key], at);
    });
  }
  return JSON.stringify(checkedIn) === JSON.stringify(fresh)
    ? []
    : [`${path}: ${JSON.stringify(checkedIn)} checked in, ${JSON.stringify(fresh)} generated`];
}
