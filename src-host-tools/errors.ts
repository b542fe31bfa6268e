// The toolchain's two kinds of failure. Exit codes: 0 ok, 1 the user's input is wrong (the message
// says what to change), 2 something broke inside llm-mesh or its environment.

/** A problem the user can fix; the message ends with what to do next. */
export class UserError extends Error {
  readonly exitCode = 1;
}

/** A failure that is not the user's input (a tool crashed, a registry answered nonsense). */
export class InternalError extends Error {
  readonly exitCode = 2;
}

/** Reads a file, turning "not found" into a UserError that names it. */
export async function readUserFile(path: string, what: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${what} ${path} does not exist`);
    if (code === "EISDIR") throw new UserError(`${what} ${path} is a directory; give a file`);
    throw new UserError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}
