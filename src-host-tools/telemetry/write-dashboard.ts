// Writes docs/grafana/llm-mesh-dashboard.json from src-host-tools/telemetry/dashboard.ts (a test keeps it in sync).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { grafanaDashboard } from "./dashboard.js";

export const DASHBOARD_PATH = fileURLToPath(new URL("../../docs/grafana/llm-mesh-dashboard.json", import.meta.url));
export const dashboardText = () => JSON.stringify(grafanaDashboard(), null, 2) + "\n";

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_PATH, dashboardText());
  console.log(`wrote ${DASHBOARD_PATH}`);
}
