// Who is signed in: the session's tokens and GET /me (the account, its grants, the acting org),
// through web/shared's useSignedIn; the acting organisation (ACCT-5) and the password change here.
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { unwrap } from "@shared/api";
import { useSignedIn } from "@shared/useSignedIn";
import { api, session } from "../api";

export type { Me } from "@shared/useSignedIn";

export const useAuth = defineStore("auth", () => {
  /** Names of the organisations this account may act for, by id (the header shows names). */
  const orgNames = ref<Record<string, string>>({});

  const { me, signedIn, load, start, signOut } = useSignedIn(api, session, async (loaded) => {
    // ACCT-6: an initial password is changed before anything else (every other call is refused).
    if (loaded.account.must_change_password) return;
    const first = loaded.grants[0];
    if (loaded.acting_org_id === null && first) {
      // A cadre signing in acts for their first organisation until they switch (loads again).
      await actFor(first.org_id);
      return;
    }
    await nameOrgs(loaded.grants.map((grant) => grant.org_id));
  });

  async function nameOrgs(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !(id in orgNames.value));
    const orgs = await Promise.all(missing.map((id) => unwrap(api.GET("/orgs/{org_id}", { params: { path: { org_id: id } } }))));
    orgs.forEach((org, index) => (orgNames.value[missing[index] as string] = org.short_name || org.full_name));
  }

  /** The organisation this session acts for (ACCT-5), and the ones it may act for. */
  const actingOrgId = computed(() => me.value?.acting_org_id ?? null);
  const actingOrgName = computed(() => (actingOrgId.value ? (orgNames.value[actingOrgId.value] ?? "") : ""));
  const grants = computed(() => me.value?.grants ?? []);

  async function actFor(orgId: string): Promise<void> {
    const access = await unwrap(api.POST("/me/acting-org", { body: { org_id: orgId } }));
    session.replaceAccess(access.access_token);
    await load();
  }

  /** ACCT-6: the account still has its initial password. */
  const mustChangePassword = computed(() => me.value?.account.must_change_password ?? false);

  /** PUT /me/password: this session goes on with a new access token (the others end). */
  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    const access = await unwrap(api.PUT("/me/password", { body: { old_password: oldPassword, new_password: newPassword } }));
    session.replaceAccess(access.access_token);
    await load();
  }

  return { me, signedIn, mustChangePassword, changePassword, actingOrgId, actingOrgName, orgNames, grants, load, start, signOut, actFor };
});
