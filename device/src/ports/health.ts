/** What every device port reports for telemetry and the staff screen. */
export interface HealthReport {
  state: 'ok' | 'degraded' | 'down' | 'absent';
  /** human words, e.g. "paper near end", "no reader: Virtual PCD 00 00 not found" */
  detail?: string;
}
