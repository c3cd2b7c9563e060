"""Request and response bodies of the HTTP API (pydantic). The OpenAPI document is built
from these, so they are the one statement of the API's shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from zhtj.changes.rules import DeletionCause, ExitKind
from zhtj.core.identity import birth_month, deidentify, remask
from zhtj.orgs.rules import Level, OrgType, Sector
from zhtj.registration.rules import IdentityProof, IncomeBand, Submission

T = TypeVar("T")

# De-identification (GB/T 35273, core/identity.py) happens here, as answers are built: every
# answer that carries identity fields carries them through these types, so an item stored under
# an earlier, wider mask (or a full birth date) is narrowed when read, without a migration.
MaskedId = Annotated[
    str | None,
    AfterValidator(lambda value: remask(value) if value else value),
    Field(description="身份证号码（去标识化：仅显示末两位）"),
]
BirthMonth = Annotated[
    str | None,
    BeforeValidator(lambda value: birth_month(value) if isinstance(value, str) else value),
    Field(validation_alias=AliasChoices("birth_month", "birth_date"), description="出生年月 YYYY-MM（不显示日）"),
]
DeidentifiedImage = Annotated[dict[str, object] | None, AfterValidator(deidentify)]


class Body(BaseModel):
    """A request body: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldErrorOut(BaseModel):
    """One refusal: a stable code, a zh-CN message and the field it names (null: the request)."""

    code: str
    message: str
    field: str | None


class ErrorOut(FieldErrorOut):
    """Every refusal of the API. When several fields are refused at once, `errors` lists them
    all (the first is the one at the top level); otherwise it is absent."""

    errors: list[FieldErrorOut] | None = Field(
        default=None, description="每个不合格字段各一条（多个字段同时不合格时出现，第一条即顶层的那条）"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class OrgCreate(Body):
    org_type: OrgType
    level: Level | None = None
    sector: Sector
    short_name: str = Field(min_length=1, max_length=50)
    full_name: str = Field(min_length=1, max_length=100)
    alias: str = Field(min_length=1, max_length=16)
    region_name: str | None = Field(default=None, max_length=20)
    class_branch: bool = False
    entry_year: int | None = Field(default=None, ge=1949, le=2100)


class OrgOut(Out):
    org_id: str
    parent_id: str | None
    path: str
    depth: int
    org_type: OrgType
    level: Level | None
    sector: Sector
    short_name: str
    full_name: str
    alias: str
    region_name: str | None
    entry_year: int | None
    status: str
    system: bool
    member_count: int
    child_count: int
    moving_job_id: str | None
    version: int


class OrgSearchHit(BaseModel):
    org_id: str
    short_name: str
    org_type: OrgType
    path: str


class OrgMove(Body):
    new_parent_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=200)


class Reason(Body):
    """A written reason: returning, withdrawing, dissolving."""

    reason: str = Field(min_length=1, max_length=200)


class OrgMerge(Body):
    into_org_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=200)


class MergeOut(BaseModel):
    moved_members: int
    dissolved: OrgOut


class TreeJobOut(Out):
    job_id: str
    org_id: str
    old_path: str
    new_path: str
    status: str
    rewritten: int
    created_at: datetime
    finished_at: datetime | None


class AccountCreate(Body):
    """A cadre's or staff member's account, entered by their organisation (ACCT-5). It carries
    no membership: a member record comes only from an approved registration or an import."""

    name: str = Field(min_length=1, max_length=30)


class AdminAccountCreate(Body):
    name: str = Field(min_length=1, max_length=30)


class AccountOut(Out):
    account_id: str
    name: str
    member_id: str | None


class GrantCreate(Body):
    account_id: str = Field(min_length=1, max_length=40)
    role: str = Field(min_length=1, max_length=10)


class GrantOut(Out):
    account_id: str
    org_id: str
    role: str
    granted_at: datetime


class MemberOut(Out):
    member_id: str
    name: str
    branch_id: str
    state: str
    account_id: str | None


class MeOut(BaseModel):
    account: AccountOut
    acting_org_id: str | None
    grants: list[GrantOut]


class DevTokenRequest(Body):
    account_id: str = Field(min_length=1, max_length=40)
    org_id: str | None = Field(default=None, max_length=40)


class ActFor(Body):
    org_id: str | None = Field(default=None, max_length=40)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    acting_org_id: str | None


class AuditOut(Out):
    action: str
    subject_kind: str
    subject_id: str
    org_id: str
    actor_account_id: str
    actor_name: str | None = Field(description="操作人姓名（账号已不存在时为空；系统操作为“系统”）")
    actor_org_id: str | None
    actor_org_name: str | None = Field(description="操作人所代表的组织的简称")
    at: datetime
    before: DeidentifiedImage = None
    after: DeidentifiedImage = None


class RegistrationSubmit(Body):
    """REG-1: what a member fills in to register (报到) to a branch."""

    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=15, max_length=40)
    ethnicity: str = Field(min_length=1, max_length=10)
    political_status: str = Field(min_length=1, max_length=10)
    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    branch_id: str = Field(min_length=1, max_length=40)
    is_cadre: bool
    development_number: str | None = Field(default=None, max_length=30)
    identity_proof: IdentityProof | None = None
    education: str | None = Field(default=None, max_length=20)
    occupation: str | None = Field(default=None, max_length=30)
    income_band: IncomeBand | None = None
    phone: str | None = Field(default=None, max_length=20)
    previous_ticket: str | None = Field(default=None, max_length=40, description="重新提交时填写原报到凭证")
    admitted_on: date | None = Field(default=None, description="新发展团员：接收入团的支部大会日期（REG-7）")

    def submission(self) -> Submission:
        """The person's part (REG-1), as the registration rules check it."""
        return Submission(**self.model_dump(exclude={"branch_id", "previous_ticket", "admitted_on"}))


class RegistrationOut(Out):
    registration_id: str
    branch_id: str
    state: str
    real_name_state: str
    name: str
    id_masked: MaskedId
    birth_month: BirthMonth
    sex: str | None
    ethnicity: str | None
    political_status: str | None
    join_month: str | None
    development_number: str | None
    is_cadre: bool
    submitted_at: datetime
    review_due: datetime | None
    return_reason: str | None
    refusal_code: str | None
    refusal_message: str | None
    escalated_to: str | None
    member_id: str | None
    late_registration: bool | None = None


class OfflinePass(Body):
    note: str = Field(min_length=1, max_length=500)
    photo_key: str = Field(min_length=1, max_length=300)


class UploadOut(BaseModel):
    key: str
    url: str


class WavesIn(Body):
    opens: dict[str, datetime]


class WaveOut(Out):
    group: str
    opens_at: datetime
    opened: bool


class TicketOut(BaseModel):
    ticket: str
    status: str
    registration: RegistrationOut | None = None


# --- EDIT / DEL / EXIT: changes to a member after approval ---------------------------------


class MemberEdit(Body):
    """EDIT-1..3: the fields a member changes; a field left out stays as it is. The first four
    are accepted only to be refused by name (EDIT-1)."""

    name: Any = Field(default=None, description="不可修改（EDIT-1）")
    id_number: Any = Field(default=None, description="不可修改（EDIT-1）")
    join_month: Any = Field(default=None, description="不可修改（EDIT-1）；更正见入团年月更正申请（EDIT-4）")
    development_number: Any = Field(default=None, description="不可修改（EDIT-1）")
    political_status: str | None = Field(default=None, max_length=10, description="须团支部审核（EDIT-2）")
    income_band: IncomeBand | None = Field(default=None, description="须团支部审核（EDIT-2）")
    is_cadre: bool | None = Field(default=None, description="须团支部审核（EDIT-2）")
    education: str | None = Field(default=None, max_length=20)
    occupation: str | None = Field(default=None, max_length=30)
    phone: str | None = Field(default=None, max_length=20)


class MemberDetailOut(Out):
    """A member's record as the member and their organisations see it: every field of the record
    but the ID number's sealed form and blind index (the ID number only masked, by the one
    masking rule: logic/member_changes.member_view builds it)."""

    # The docstring is this schema's description in /openapi.json, kept byte-for-byte; the
    # masking rule's builder is members/service.member_view now.

    member_id: str
    name: str
    branch_id: str
    state: str
    account_id: str | None
    registration_id: str | None
    created_at: datetime
    id_masked: MaskedId
    birth_month: BirthMonth
    sex: str | None
    ethnicity: str | None
    political_status: str | None
    join_month: str | None
    development_number: str | None
    identity_proof: str | None
    is_cadre: bool
    education: str | None
    occupation: str | None
    income_band: str | None
    phone: str | None
    edit_state: str | None
    open_edit_id: str | None
    open_deletion_id: str | None
    open_exit_id: str | None
    open_transfer_id: str | None
    delayed_graduation: bool | None
    left_on: str | None


class EditRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    route: str
    state: str
    changes: dict[str, object]
    previous: dict[str, object]
    reason: str | None
    requested_by: str
    requested_org_id: str | None
    requested_at: datetime
    decided_by: str | None
    decided_org_id: str | None
    decided_at: datetime | None
    return_reason: str | None


class EditOut(BaseModel):
    """The member after an edit, and the request for branch review it opened (if any)."""

    member: MemberDetailOut
    edit_request: EditRequestOut | None = None


class JoinMonthRequest(Body):
    """EDIT-4 inside a window: the member asks, the branch reviews."""

    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    reason: str = Field(min_length=1, max_length=200)


class JoinMonthApplication(Body):
    """EDIT-4 outside a window: the city-level committee applies to the province in writing."""

    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    explanation: str = Field(min_length=1, max_length=2000, description="核实情况的书面说明")


class JoinDateWindowIn(Body):
    opens_on: date
    closes_on: date


class JoinDateWindowsIn(Body):
    """EDIT-4: the province's windows for join-month corrections (replaces the current list)."""

    windows: list[JoinDateWindowIn] = Field(max_length=20)


class JoinDateWindowOut(Out):
    opens_on: date
    closes_on: date


class DeletionRequestIn(Body):
    reason: str = Field(min_length=1, max_length=500, description="申请删除原因")
    cause: DeletionCause = DeletionCause.OTHER
    explanation: str | None = Field(default=None, max_length=2000, description="误审核时的书面情况说明")


class DeletionRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    city_org_id: str
    state: str
    cause: str
    reason: str
    explanation: str | None
    requested_by: str
    requested_org_id: str
    requested_at: datetime
    forwarded_by: str | None
    forwarded_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    return_reason: str | None


class BulkReturnOut(BaseModel):
    """DEL-1: the province's bulk return; call again while `more` is true."""

    returned: int
    skipped: int
    more: bool


class ExitApply(Body):
    """EXIT-1/EXIT-2: the branch meeting's resolution (支部大会决议) behind an exit."""

    kind: ExitKind
    resolution_date: date
    resolution: str = Field(min_length=1, max_length=2000)


class ExitRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    exit_kind: ExitKind
    state: str
    resolution_date: date
    resolution: str
    applied_by: str
    applied_org_id: str
    applied_at: datetime
    decided_by: str | None
    decided_org_id: str | None
    decided_at: datetime | None
    return_reason: str | None


class AgeOutCandidateOut(Out):
    member_id: str
    name: str
    branch_id: str
    birth_month: BirthMonth


# --- IMPORT: bulk entry (批量录入) ------------------------------------------------------------


class ImportCreate(Body):
    file_name: str | None = Field(default=None, max_length=100, description="上传的文件名（用于结果报告）")


class ImportOut(Out):
    import_id: str
    org_id: str
    file_name: str | None
    state: str = Field(description="UPLOADING 等待上传 / QUEUED 排队中 / RUNNING 处理中 / DONE 完成 / FAILED 失败")
    rows_total: int | None
    rows_done: int
    rows_good: int
    rows_bad: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_code: str | None
    error_message: str | None


class ImportCreatedOut(BaseModel):
    job: ImportOut
    upload_url: str = Field(description="PUT the xlsx here, with the Content-Type below")
    upload_key: str
    content_type: str


class DownloadOut(BaseModel):
    key: str
    url: str
    expires_in: int


# --- STAT-3: search (search/service.py) ----------------------------------------------------------


class SearchIn(Body):
    """A search travels in a body, never in the URL: an ID number must not reach access logs,
    proxies or browser history."""

    q: str = Field(
        min_length=1,
        max_length=50,
        description="姓名片段、组织名称片段或身份证号码（按身份证号码查找每人每日限次，超出返回429，每次均记入审计）",
    )
    kind: Literal["member", "branch"] = Field(default="member", description="member: 团员; branch: 团组织")
    org_id: str | None = Field(default=None, max_length=64, description="查找范围（默认：当前所代表的组织）")
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=20, ge=1, le=100)


class SearchHitOut(BaseModel):
    kind: Literal["member", "branch"]
    id: str = Field(description="member id or organisation id")
    name: str
    exact: bool = Field(description="the whole name equals the query (ranked first)")
    id_masked: MaskedId = None
    branch_id: str | None = None
    branch_name: str | None = None
    org_type: str | None = None
    state: str | None = None
