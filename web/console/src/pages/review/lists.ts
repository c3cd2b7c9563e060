// The review lists by kind (审核): each reads its API list for the acting organisation and
// turns it into rows with the decisions open to it. Names come from the members' records (the
// lists carry ids only; never ID numbers).
import type { RouteLocationRaw } from "vue-router";
import { unwrap, type ResponseOf } from "@shared/api";
import type { Page } from "@shared/usePagedList";
import { api } from "../../api";
import { FIELD_LABEL, label, moment, REQUEST_STATE, shown } from "../../labels";

export interface Action {
  label: string;
  primary?: boolean;
  /** A decision without a reason (asked to confirm first). */
  run?: () => Promise<unknown>;
  /** A return: asks the reason. */
  withReason?: (reason: string) => Promise<unknown>;
}

export interface Row {
  key: string;
  memberId: string | null;
  name: string;
  lines: string[];
  state: string;
  link?: RouteLocationRaw;
  actions: Action[];
}

export interface ReviewList {
  title: string;
  load: (orgId: string, cursor: string | null) => Promise<Page<Row>>;
  /** The province's bulk return of every pending deletion (DEL-1). */
  bulkReturn?: (reason: string) => Promise<string>;
}

const names = new Map<string, string>();

async function named<T>(items: T[], memberOf: (item: T) => string): Promise<void> {
  const missing = [...new Set(items.map(memberOf))].filter((id) => !names.has(id));
  await Promise.all(
    missing.map(async (id) => {
      const member = await api.GET("/members/{member_id}", { params: { path: { member_id: id } } });
      names.set(id, member.data?.name ?? "（无权查看）");
    }),
  );
}
const nameOf = (memberId: string): string => names.get(memberId) ?? "—";
const member = (id: string) => ({ path: { member_id: id } });

const orgs = new Map<string, Promise<ResponseOf<"/orgs/{org_id}", "get">>>();
function orgOf(orgId: string): Promise<ResponseOf<"/orgs/{org_id}", "get">> {
  let found = orgs.get(orgId);
  if (!found) {
    found = unwrap(api.GET("/orgs/{org_id}", { params: { path: { org_id: orgId } } }));
    found.catch(() => orgs.delete(orgId));
    orgs.set(orgId, found);
  }
  return found;
}

export async function provinceLevel(orgId: string): Promise<boolean> {
  const org = await orgOf(orgId);
  return org.parent_id === null || org.level === "PROVINCE";
}

export const reviewLists: Record<string, ReviewList> = {
  registrations: {
    title: "报到审核",
    async load(orgId, cursor) {
      // A branch reviews its own; the organisations above see those overdue and escalated to them (REV-2).
      const branch = (await orgOf(orgId)).org_type === "BRANCH";
      const page = branch
        ? await unwrap(api.GET("/orgs/{org_id}/registrations", { params: { path: { org_id: orgId }, query: { cursor, limit: 20 } } }))
        : await unwrap(api.GET("/orgs/{org_id}/overdue-reviews", { params: { path: { org_id: orgId }, query: { cursor, limit: 20 } } }));
      return {
        next_cursor: page.next_cursor,
        items: page.items.map((r) => ({
          key: r.registration_id,
          memberId: null,
          name: r.name,
          lines: [`${moment(r.submitted_at)} 提交`, `审核期限 ${moment(r.review_due)}`],
          state: branch ? "待审核" : "逾期上报",
          link: { name: "review-registration", params: { id: r.registration_id } },
          actions: [],
        })),
      };
    },
  },
  awards: {
    title: "奖励申报",
    async load(orgId, cursor) {
      const page = await unwrap(api.GET("/orgs/{org_id}/award-declarations", { params: { path: { org_id: orgId }, query: { cursor, limit: 20, state: "PENDING" } } }));
      await named(page.items, (d) => d.member_id);
      return {
        next_cursor: page.next_cursor,
        items: page.items.map((d) => {
          const path = { path: { member_id: d.member_id, declaration_id: d.declaration_id } };
          return {
            key: d.declaration_id,
            memberId: d.member_id,
            name: nameOf(d.member_id),
            lines: [`${d.title}（${d.granted_by_name}，${d.document_number}，${d.granted_on}）`, `${moment(d.declared_at)} 申报`],
            state: label(REQUEST_STATE, d.state),
            actions: [
              { label: "认定", primary: true, run: () => unwrap(api.POST("/members/{member_id}/award-declarations/{declaration_id}/approve", { params: path })) },
              { label: "退回", withReason: (reason) => unwrap(api.POST("/members/{member_id}/award-declarations/{declaration_id}/return", { params: path, body: { reason } })) },
            ],
          };
        }),
      };
    },
  },
  deletions: {
    title: "删除团员",
    async load(orgId, cursor) {
      const province = await provinceLevel(orgId);
      const page = province
        ? await unwrap(api.GET("/deletion-requests", { params: { query: { cursor, limit: 20 } } }))
        : await unwrap(api.GET("/orgs/{org_id}/deletion-requests", { params: { path: { org_id: orgId }, query: { cursor, limit: 20 } } }));
      await named(page.items, (d) => d.member_id);
      return {
        next_cursor: page.next_cursor,
        items: page.items.map((d) => ({
          key: d.request_id,
          memberId: d.member_id,
          name: nameOf(d.member_id),
          lines: [`原因：${d.reason}${d.explanation ? `（${d.explanation}）` : ""}`, `${moment(d.requested_at)} 团支部申请`],
          state: label(REQUEST_STATE, d.state),
          actions: [
            province
              ? { label: "批准删除", primary: true, run: () => unwrap(api.POST("/members/{member_id}/deletion/approve", { params: member(d.member_id) })) }
              : { label: "核定上报", primary: true, run: () => unwrap(api.POST("/members/{member_id}/deletion/forward", { params: member(d.member_id) })) },
            { label: "退回", withReason: (reason) => unwrap(api.POST("/members/{member_id}/deletion/return", { params: member(d.member_id), body: { reason } })) },
          ],
        })),
      };
    },
    async bulkReturn(reason) {
      const done = await unwrap(api.POST("/deletion-requests/return-all", { body: { reason } }));
      return `已退回 ${done.returned} 条${done.more ? "，还有未处理的，请再次执行" : ""}`;
    },
  },
  "join-month": {
    title: "入团年月更正",
    async load(_orgId, cursor) {
      const page = await unwrap(api.GET("/join-month-applications", { params: { query: { cursor, limit: 20 } } }));
      await named(page.items, (r) => r.member_id);
      return {
        next_cursor: page.next_cursor,
        items: page.items.map((r) => ({
          key: r.request_id,
          memberId: r.member_id,
          name: nameOf(r.member_id),
          lines: [
            ...Object.entries(r.changes).map(([field, after]) => `${label(FIELD_LABEL, field)}：${shown(field, r.previous[field])} → ${shown(field, after)}`),
            r.reason ? `理由：${r.reason}` : "",
          ].filter(Boolean),
          state: "待审批",
          actions: [
            { label: "批准", primary: true, run: () => unwrap(api.POST("/members/{member_id}/join-month-application/approve", { params: member(r.member_id) })) },
            { label: "退回", withReason: (reason) => unwrap(api.POST("/members/{member_id}/join-month-application/return", { params: member(r.member_id), body: { reason } })) },
          ],
        })),
      };
    },
  },
};
