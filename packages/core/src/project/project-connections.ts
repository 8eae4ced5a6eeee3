import { Kysely } from "kysely";
import { jsonPath } from "../config/ajv-issues.js";
import type { LoadedConfig } from "../config/load-config.js";
import { connectionPathOf } from "../config/validate-config.js";
import { ConfigError } from "../errors.js";
import type { DestinationConnection, ObjectDescription } from "../plugins/destination.js";
import type { Logger, PluginContext } from "../plugins/plugin-context.js";
import type { SourceConnection } from "../plugins/source.js";
import type { SyncDefinition } from "../plan/sync-definition.js";
import type { Warehouse } from "../plan/warehouse.js";
import { StateStore } from "../state/state-store.js";
import type { LoadedPlugins } from "./load-project-plugins.js";

/** An open source: its connection and Kysely over it. */
export interface OpenSource extends Warehouse {
  readonly connection: SourceConnection;
}

/** The default schema of the state tables. */
export const DEFAULT_STATE_SCHEMA = "reverse_etl";

/**
 * The connections of a project: each source and destination opens lazily, once, and all close together.
 * Destination objects are described once per project (mapping and value checks share the answer).
 */
export class ProjectConnections {
  readonly #sources = new Map<string, Promise<OpenSource>>();
  readonly #destinations = new Map<string, Promise<DestinationConnection>>();
  readonly #descriptions = new Map<string, Promise<ObjectDescription>>();
  readonly #migrated = new Set<string>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly plugins: LoadedPlugins,
    private readonly logger: Logger,
  ) {}

  /** Name of the source holding the state tables. */
  get stateSourceName(): string {
    const config = this.loaded.config;
    return config.state?.source ?? Object.keys(config.sources)[0]!;
  }

  /** Schema holding the state tables. */
  get stateSchema(): string {
    return this.loaded.config.state?.schema ?? DEFAULT_STATE_SCHEMA;
  }

  /** The source named `name`, opened on first use. */
  source(name: string): Promise<OpenSource> {
    let pending = this.#sources.get(name);
    if (!pending) {
      const configured = this.plugins.sources.get(name);
      if (!configured) throw new ConfigError(this.loaded.file, [{ path: `/sources/${name}`, message: `no source named "${name}"` }]);
      this.#requireEnv(jsonPath("sources", name));
      pending = configured.plugin.connect(configured.options, this.#context(name)).then((connection) => ({
        connection,
        functions: connection.functions,
        adapter: connection.adapter,
        db: new Kysely<unknown>({ dialect: connection.dialect }),
      }));
      this.#sources.set(name, pending);
    }
    return pending;
  }

  /** The destination named `name`, connected on first use. */
  destination(name: string): Promise<DestinationConnection> {
    let pending = this.#destinations.get(name);
    if (!pending) {
      const configured = this.plugins.destinations.get(name);
      if (!configured) throw new ConfigError(this.loaded.file, [{ path: `/destinations/${name}`, message: `no destination named "${name}"` }]);
      this.#requireEnv(jsonPath("destinations", name));
      pending = configured.plugin.connect(configured.options, this.#context(name));
      this.#destinations.set(name, pending);
    }
    return pending;
  }

  /** The destination object a sync writes, described once per project. */
  describe(def: SyncDefinition): Promise<ObjectDescription> {
    const key = JSON.stringify([def.destinationName, def.object ?? null, def.mode, def.options]);
    let pending = this.#descriptions.get(key);
    if (!pending) {
      pending = this.destination(def.destinationName).then((d) => d.describe(def.object, { mode: def.mode, options: def.options }));
      // A failed describe is not remembered: the next check asks again.
      pending.catch(() => this.#descriptions.delete(key));
      this.#descriptions.set(key, pending);
    }
    return pending;
  }

  /** The state store on the state source; with `migrate`, its tables are created or migrated first (once). */
  async store(migrate = false): Promise<StateStore> {
    const source = await this.source(this.stateSourceName);
    const store = new StateStore(source.db as never, source.connection, this.stateSchema);
    if (migrate && !this.#migrated.has(this.stateSourceName)) {
      const option = source.connection.readOnlyOption;
      if (option) {
        throw new ConfigError(this.loaded.file, [
          {
            path: jsonPath("sources", this.stateSourceName, option),
            message: `opens source "${this.stateSourceName}" read-only, but it is the state source: sync writes its state there (schema ${this.stateSchema}); set ${option} to false, or set state.source to a writable source`,
          },
        ]);
      }
      await store.migrate();
      this.#migrated.add(this.stateSourceName);
    }
    return store;
  }

  /** Close every connection opened. */
  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const pending of this.#destinations.values()) closing.push(pending.then((d) => d.close()));
    for (const pending of this.#sources.values()) {
      closing.push(
        pending.then(async (s) => {
          await s.db.destroy();
          await s.connection.close();
        }),
      );
    }
    this.#destinations.clear();
    this.#descriptions.clear();
    this.#sources.clear();
    await Promise.allSettled(closing);
  }

  /** A source or destination is about to connect: the variables its options use must be set now. */
  #requireEnv(path: string): void {
    const unset = (this.loaded.unsetEnv ?? []).filter((issue) => connectionPathOf(issue.path) === path);
    if (unset.length > 0) throw new ConfigError(this.loaded.file, unset);
  }

  #context(name: string): PluginContext {
    return { configDir: this.loaded.dir, name, logger: this.logger };
  }
}
