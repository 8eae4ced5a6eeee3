import { Command, Errors, Flags, type Interfaces } from "@oclif/core";
import { CONFIG_FILE_PATTERN, openProject, secrets, type Project } from "@reverse-etl/core";
import { describeFailure } from "./failure.js";
import { createCliLogger, LOG_LEVELS, type CliLogger, type LogFormat } from "./output/cli-logger.js";

/** Parsed flags of a command extending `BaseCommand`, shared flags included. */
export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)["baseFlags"] & T["flags"]>;

/** Parsed arguments of a command extending `BaseCommand`. */
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T["args"]>;

/**
 * Base of every reverse-etl command: the shared flags (`--config`, `--json`, `--log-level`,
 * `--log-format`), a stderr logger, opening and always closing the project, redaction of every printed
 * message, and the mapping of errors to messages and exit codes (documented in the README).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      char: "c",
      summary: "Path to the config file.",
      description:
        `Default: the first ${CONFIG_FILE_PATTERN} found from the current directory upwards (stopping at a directory with .git). Env REVERSE_ETL_CONFIG.`,
      helpValue: "PATH",
      env: "REVERSE_ETL_CONFIG",
      helpGroup: "GLOBAL",
    }),
    "log-level": Flags.option({
      options: LOG_LEVELS,
      default: "info" as const,
      summary: "Lowest level of log lines written to stderr.",
      env: "REVERSE_ETL_LOG_LEVEL",
      helpGroup: "GLOBAL",
    })(),
    "log-format": Flags.option({
      options: ["auto", "human", "logfmt", "json"] as const,
      default: "auto" as const,
      summary: "Log line format on stderr.",
      description: "`auto` writes short human lines on a terminal and `key=value` (logfmt) lines otherwise.",
      env: "REVERSE_ETL_LOG_FORMAT",
      helpGroup: "GLOBAL",
    })(),
  };

  /** Parsed flags. */
  protected flags!: CommandFlags<T>;
  /** Parsed arguments. */
  protected args!: CommandArgs<T>;
  /** Every positional argument, for variadic commands (`static strict = false`). */
  protected rest: string[] = [];
  /** Logger writing to stderr; hand it to core. */
  protected logger!: CliLogger;

  override async init(): Promise<void> {
    await super.init();
    const { args, argv, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.rest = argv.map(String);
    const format = this.flags["log-format"] as LogFormat | "auto";
    this.logger = createCliLogger({
      level: this.flags["log-level"],
      format: format === "auto" ? (process.stderr.isTTY ? "human" : "logfmt") : format,
      write: (line) => process.stderr.write(`${line}\n`),
    });
  }

  /**
   * Open the project (`--config` or the nearest config file), run `fn`, and always close it. With
   * `lazyEnv`, an unset `env()` variable fails only a command that connects where it is used.
   */
  protected async withProject<R>(fn: (project: Project) => Promise<R>, options: { lazyEnv?: boolean } = {}): Promise<R> {
    const project = await openProject({ configPath: this.flags.config, logger: this.logger, lazyEnv: options.lazyEnv });
    let failed = false;
    try {
      return await fn(project);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      try {
        await project.close();
      } catch (closeError) {
        // The command's own error matters more; report a failed close without hiding it.
        if (!failed) throw closeError;
        this.logger.warn("closing the project failed", { error: describeFailure(closeError).message });
      }
    }
  }

  /** Print human output on stdout (suppressed with `--json`), redacted of secrets. */
  protected print(text: string): void {
    this.log(secrets.redact(text));
  }

  override logJson(json: unknown): void {
    super.logJson(secrets.redactValue(json));
  }

  protected override toErrorJson(error: unknown): unknown {
    const { exitCode, ...failure } = describeFailure(error);
    return { error: { ...failure, exitCode } };
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<void> {
    if (error instanceof Errors.ExitError) throw error;
    const failure = describeFailure(error);
    process.exitCode = failure.exitCode;
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(error));
      return;
    }
    process.stderr.write(`${failure.message}\n`);
    // An ExitError ends the process with the code without oclif printing the error again.
    Errors.exit(failure.exitCode);
  }
}
