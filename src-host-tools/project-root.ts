// The checkout's root folder: where build/, .venv/ and .tools/ live. A foundation every tool reads.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
