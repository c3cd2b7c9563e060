import type { ResponseOf } from "@shared/api";

export type Org = ResponseOf<"/orgs/{org_id}", "get">;
export type TreeJob = ResponseOf<"/tree-jobs/{job_id}", "get">;
export type Grant = ResponseOf<"/orgs/{org_id}/grants", "get">[number];
