/** Which side of a sync a scaffolded plugin serves. */
export type ScaffoldKind = "source" | "destination";

/** The kinds `reverse-etl plugin new` scaffolds. */
export const SCAFFOLD_KINDS: readonly ScaffoldKind[] = ["source", "destination"];

/** A plugin's name in every form the generated files spell it. */
export interface PluginNames {
  /** Source or destination. */
  readonly kind: ScaffoldKind;
  /** Short name, kebab-case, as messages and `defineSourcePlugin({ name })` use it: `acme-crm`. */
  readonly name: string;
  /** npm package name: `reverse-etl-destination-acme-crm`, or `@my-org/reverse-etl-destination-acme-crm`. */
  readonly packageName: string;
  /** Package name without its scope: the default directory. */
  readonly unscopedPackageName: string;
  /** PascalCase, for classes and types: `AcmeCrm`. */
  readonly pascal: string;
  /** camelCase, for values: `acmeCrm`. */
  readonly camel: string;
  /** CONSTANT_CASE, for constants and environment variables: `ACME_CRM`. */
  readonly constant: string;
  /** Words with capitals, for prose: `Acme Crm`. */
  readonly title: string;
}

/** Thrown for a NAME `plugin new` cannot use; the message says what a valid one looks like. */
export class InvalidPluginNameError extends Error {
  constructor(readonly given: string) {
    super(
      `"${given}" is not a plugin name: use lowercase letters, digits and dashes, starting with a letter ` +
        "(e.g. acme or acme-crm), optionally with an npm scope (@my-org/acme)",
    );
    this.name = "InvalidPluginNameError";
  }
}

// Words of lowercase letters and digits joined by single dashes, starting with a letter, so every form
// (a JavaScript identifier, an environment variable, an npm name) is valid.
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;
/** npm's limit on a package name. */
const MAX_PACKAGE_NAME = 214;

/**
 * Every form of a plugin's name from the NAME given to `plugin new`: `acme`, `acme-crm`, `@my-org/acme`.
 * A NAME that is already a full package name (`reverse-etl-destination-acme`) is taken as its short name.
 */
export function pluginNames(kind: ScaffoldKind, given: string): PluginNames {
  const slash = given.indexOf("/");
  const scope = given.startsWith("@") && slash > 0 ? given.slice(0, slash) : undefined;
  let name = scope === undefined ? given : given.slice(slash + 1);
  const prefix = `reverse-etl-${kind}-`;
  if (name.startsWith(prefix)) name = name.slice(prefix.length);
  if ((given.startsWith("@") && scope === undefined) || (scope !== undefined && !SCOPE.test(scope)) || !NAME.test(name)) {
    throw new InvalidPluginNameError(given);
  }
  const unscopedPackageName = `${prefix}${name}`;
  const packageName = scope === undefined ? unscopedPackageName : `${scope}/${unscopedPackageName}`;
  if (packageName.length > MAX_PACKAGE_NAME) throw new InvalidPluginNameError(given);
  const words = name.split("-");
  const capitalised = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return {
    kind,
    name,
    packageName,
    unscopedPackageName,
    pascal: capitalised.join(""),
    camel: words[0] + capitalised.slice(1).join(""),
    constant: words.join("_").toUpperCase(),
    title: capitalised.join(" "),
  };
}
