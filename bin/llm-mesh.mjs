#!/usr/bin/env node
// Entry point for `npx llm-mesh`: runs the TypeScript toolchain through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src-host-tools/cli.ts");
