import { describe, expect, it } from "vitest";
import { importPercent, type ImportJob } from "./importLabels";

const job = (over: Partial<ImportJob>): ImportJob => ({
  import_id: "i1", org_id: "o1", file_name: "a.xlsx", state: "RUNNING", rows_total: 200, rows_done: 50, rows_good: 48, rows_bad: 2,
  created_at: "", started_at: null, finished_at: null, error_code: null, error_message: null, ...over,
});

describe("importPercent", () => {
  it("is the share of rows checked, never 100 before the job settles", () => {
    expect(importPercent(job({}))).toBe(25);
    expect(importPercent(job({ rows_done: 200 }))).toBe(99);
    expect(importPercent(job({ state: "DONE", rows_done: 200 }))).toBe(100);
  });

  it("is 0 while the file is not read yet", () => {
    expect(importPercent(job({ state: "QUEUED", rows_total: null, rows_done: 0 }))).toBe(0);
  });
});
