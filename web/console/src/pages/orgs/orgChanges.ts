// What an edit of an organisation sends (PATCH /orgs/{id}): only the fields the form changed,
// names trimmed, an emptied region as "" (the API removes it), an entry year only for a branch.
import type { BodyOf } from "@shared/api";
import type { Sector } from "../../orgLabels";
import type { Org } from "./types";

export type OrgChanges = Omit<BodyOf<"/orgs/{org_id}", "patch">, "version">;
export interface OrgForm {
  short_name: string;
  full_name: string;
  alias: string;
  sector: Sector;
  region_name: string;
  entry_year: number | undefined;
}

export function formOf(org: Org): OrgForm {
  return {
    short_name: org.short_name,
    full_name: org.full_name,
    alias: org.alias,
    sector: org.sector,
    region_name: org.region_name ?? "",
    entry_year: org.entry_year ?? undefined,
  };
}

export function orgChanges(org: Org, form: OrgForm): OrgChanges {
  const out: OrgChanges = {};
  const short = form.short_name.trim();
  const full = form.full_name.trim();
  const region = form.region_name.trim();
  if (short !== org.short_name) out.short_name = short;
  if (full !== org.full_name) out.full_name = full;
  if (form.alias !== org.alias) out.alias = form.alias;
  if (form.sector !== org.sector) out.sector = form.sector;
  if (region !== (org.region_name ?? "")) out.region_name = region;
  if (org.org_type === "BRANCH" && form.entry_year && form.entry_year !== org.entry_year) out.entry_year = form.entry_year;
  return out;
}
