// Typed errors. The CLI maps UsageError to exit code 2 and every other error to exit code 1.

/** A malformed model, tokenizer or saved-model file: names the file and what is wrong. */
export class ModelFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelFormatError';
  }
}

/** Bad arguments or options given by the user: names the option and the accepted values. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
