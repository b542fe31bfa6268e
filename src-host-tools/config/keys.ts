// Which environment variables a config's keys come from.

interface KeyedConfig { providers: { apiKeys?: { env?: string }[] }[] }

/** The `{ "env": NAME }` key references of one provider, in order. */
export function providerKeyEnvNames(provider: KeyedConfig["providers"][number]): string[] {
  return (provider.apiKeys ?? []).flatMap((k) => (k.env ? [k.env] : []));
}

/** Every `{ "env": NAME }` key reference in a config, once each, in order. */
export function keyEnvNames(config: KeyedConfig): string[] {
  return [...new Set(config.providers.flatMap(providerKeyEnvNames))];
}
