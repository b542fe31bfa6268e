// Header names the request steps read and write, encoded once for the whole module.
export const H_AUTHORITY = String.UTF8.encode(":authority");
export const H_PATH = String.UTF8.encode(":path");
export const H_METHOD = String.UTF8.encode(":method");
export const H_SCHEME = String.UTF8.encode(":scheme");
export const H_STATUS = String.UTF8.encode(":status");
export const H_HOST = String.UTF8.encode("host");
export const H_CONTENT_LENGTH = String.UTF8.encode("content-length");
export const H_CONTENT_TYPE = String.UTF8.encode("content-type");
export const H_PROVIDER = String.UTF8.encode("x-llm-mesh-provider");
export const H_MODEL = String.UTF8.encode("x-llm-mesh-model");
/** Tool types a translated route left out (translate/responses-tools.ts). */
export const H_DROPPED_TOOLS = String.UTF8.encode("x-llm-mesh-dropped-tools");
/** The output cap llm-mesh lowered to the backend model's limit, `asked->sent` (request/body.ts). */
export const H_CLAMPED_MAX_TOKENS = String.UTF8.encode("x-llm-mesh-clamped-max-tokens");
export const V_JSON = String.UTF8.encode("application/json");
export const H_ACCEPT_ENCODING = String.UTF8.encode("accept-encoding");
export const H_CONTENT_ENCODING = String.UTF8.encode("content-encoding");
