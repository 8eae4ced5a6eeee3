import type { Logger } from "../plugins/plugin-context.js";
import { secrets } from "../secrets/redactor.js";

/** A logger that scrubs every known secret from messages and fields before passing them on. */
export function redactingLogger(logger: Logger): Logger {
  const clean = (fields?: Record<string, unknown>) => (fields ? secrets.redactValue(fields) : undefined);
  return {
    debug: (m, f) => logger.debug(secrets.redact(m), clean(f)),
    info: (m, f) => logger.info(secrets.redact(m), clean(f)),
    warn: (m, f) => logger.warn(secrets.redact(m), clean(f)),
  };
}
