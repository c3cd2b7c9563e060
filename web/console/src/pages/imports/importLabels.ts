import type { ResponseOf } from "@shared/api";

export type ImportJob = ResponseOf<"/imports/{import_id}", "get">;
export const IMPORT_STATES: Record<string, string> = { UPLOADING: "等待上传", QUEUED: "排队中", RUNNING: "处理中", DONE: "已完成", FAILED: "失败" };
export const settled = (job: ImportJob): boolean => job.state === "DONE" || job.state === "FAILED";

/** How far the rows are checked, 0..100 (unknown until the file is read). */
export function importPercent(job: ImportJob): number {
  if (settled(job)) return 100;
  if (!job.rows_total) return 0;
  return Math.min(99, Math.floor((100 * job.rows_done) / job.rows_total));
}
