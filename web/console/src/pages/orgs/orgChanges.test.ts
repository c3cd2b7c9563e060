import { describe, expect, it } from "vitest";
import { formOf, orgChanges } from "./orgChanges";
import type { Org } from "./types";

const branch = {
  org_id: "o1",
  parent_id: "o0",
  path: "/o0/o1/",
  depth: 1,
  org_type: "BRANCH",
  level: null,
  sector: "COMMUNITY",
  short_name: "广州市天河区华景社区团支部",
  full_name: "中国共产主义青年团广州市天河区华景社区支部委员会",
  alias: "华景社区团支部",
  region_name: null,
  entry_year: null,
  status: "ACTIVE",
  system: false,
  member_count: 3,
  child_count: 0,
  moving_job_id: null,
  version: 4,
} as Org;

describe("orgChanges (what an edit sends)", () => {
  it("sends nothing for a form as read", () => {
    expect(orgChanges(branch, formOf(branch))).toEqual({});
  });

  it("sends only the changed fields, names trimmed", () => {
    // Given the form with a new short name typed with spaces around it and a new sector
    const form = { ...formOf(branch), short_name: "  广州市天河区华景新村团支部 ", sector: "ENTERPRISE" as const }
    // Then only those two are sent, trimmed
    expect(orgChanges(branch, form)).toEqual({ short_name: "广州市天河区华景新村团支部", sector: "ENTERPRISE" });
  });

  it("sends an emptied region as empty (removed) and an entry year for a branch only", () => {
    const county = { ...branch, org_type: "LEADING_ORGAN", region_name: "天河区" } as Org;
    expect(orgChanges(county, { ...formOf(county), region_name: " ", entry_year: 2024 })).toEqual({ region_name: "" });
    expect(orgChanges(branch, { ...formOf(branch), entry_year: 2024 })).toEqual({ entry_year: 2024 });
  });
});
