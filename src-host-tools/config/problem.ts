// One finding about a config, named by its path (validate.ts reports them).

/** A config error or warning: `routes[2].backends[0].weight`, what is wrong, and what to do. */
export interface Problem { path: string; message: string; hint?: string }
