// Problems found in a configuration, each prefixed with the path of the field it is about.
// Messages never include a field's value: a value may be an API key.

/** Collects every error and warning, not just the first. */
export class Diagnostics {
  errors: string[] = [];
  warnings: string[] = [];

  error(path: string, message: string): void { this.errors.push(path + ": " + message); }
  warn(path: string, message: string): void { this.warnings.push(path + ": " + message); }
  ok(): bool { return this.errors.length == 0; }
}
