// AssemblyScript's types, as TypeScript reads them in the filter's files the toolchain imports
// (assembly/providers/catalog.ts, the provider table both sides read).
declare type i32 = number;
