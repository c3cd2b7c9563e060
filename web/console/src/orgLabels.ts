// The Chinese names of the organisation tree's enums (ORG-1) and the posts an account may hold.
import type { components } from "@shared/api";

export type OrgType = components["schemas"]["OrgType"];
export type Sector = components["schemas"]["Sector"];
export type Level = components["schemas"]["Level"];

export const ORG_TYPES: Record<OrgType, string> = {
  LEADING_ORGAN: "团的领导机关",
  BASIC_COMMITTEE: "基层团委",
  WORKING_COMMITTEE: "团工委",
  GENERAL_BRANCH: "团总支",
  BRANCH: "团支部",
};

export const SECTORS: Record<Sector, string> = {
  UNIVERSITY: "高校",
  VOCATIONAL: "职业院校",
  MIDDLE_SCHOOL: "中学",
  ENTERPRISE: "企业",
  PUBLIC_INSTITUTION: "事业单位",
  GOVERNMENT: "机关",
  COMMUNITY: "社区",
  RURAL: "农村",
  OTHER: "其他",
};

export const LEVELS: Record<Level, string> = { PROVINCE: "省级", CITY: "市级", COUNTY: "县级" };

/** The types that may stand below a parent (ORG-1, ORG-2): the form offers only these. */
export function childTypes(parent: OrgType): OrgType[] {
  switch (parent) {
    case "LEADING_ORGAN":
      return ["LEADING_ORGAN", "BASIC_COMMITTEE", "WORKING_COMMITTEE", "GENERAL_BRANCH", "BRANCH"];
    case "WORKING_COMMITTEE":
    case "BASIC_COMMITTEE":
      return ["BASIC_COMMITTEE", "GENERAL_BRANCH", "BRANCH"];
    case "GENERAL_BRANCH":
      return ["BRANCH"];
    case "BRANCH":
      return [];
  }
}

/** The level a leading organ below `parent` must have, if any (a province's are cities...). */
export function childLevel(parentLevel: Level | null): Level | null {
  return parentLevel === "PROVINCE" ? "CITY" : parentLevel === "CITY" ? "COUNTY" : null;
}

/** League posts an invited cadre may hold (ACCT-5); 管理员 is given by an administrator account. */
export const POSITIONS = ["书记", "副书记", "常委", "委员", "候补委员", "工作人员"] as const;
export const ROLES = ["管理员", ...POSITIONS] as const;

export function orgName(org: { short_name: string; full_name: string }): string {
  return org.short_name || org.full_name;
}
