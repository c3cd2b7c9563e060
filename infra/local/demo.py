"""Demo data for the local stack: a province shaped like SPEC ORG-8, and four logins.

`load(scale)` bootstraps 广东团省委 (with its ORG-7 system organisation), puts the 85 direct
children of ORG-8 under it (21 cities, 56 universities, 2 provincial units, 2 provincial
schools, 4 working committees) and, below them, counties, committees, general branches and
branches holding `scale` members in all (branches of 3-30 members). The tree grows with the
scale: about one organisation per ten members, never fewer than the 85 root children.

Every branch has a secretary (书记): an account, its member record in that branch and the
position. Administrator accounts (管理员) are made for the root, 广州团市委 and one branch in
广州, and for every organisation the demo transfer's chain asks; the returned tokens log in as
the province administrator, the city administrator, that branch's secretary, a plain member
of that branch and each transfer step's administrator (`transfer_step<n>_admin`, the
organisation named by `transfer_step<n>_org`).

Every member is a synthetic person registered and approved: a valid ID number (a Guangdong
district, a birth date that fits the branch, so the sex and age read from it are real), a
varied ethnicity, political status and education, a join month and development number that
pass REG-3. The form is checked as the registration worker checks it (`check_submission`),
stored as it stores it (`registration.person_fields`), made a member as approval makes it
(`registration.member_of`), and its REG-4 claims pass to the member. Members are paid up to
last month, except the few the dues demo acts on (DEMO_BRANCH_CAST).

This is a seeding tool, not a use of the system: it writes the items directly with
BatchWriteItem (25 per request, through PynamoDB's `batch_write`), bypassing the per-change
transactions and their audit records (AUDIT-1) that every change over the API carries. It
builds the items with the same builders the logic uses (`set_index_keys`, `name_tokens`, `name_claim`,
`member_of`, `new_grant`, and Org/Account shaped as `create_child` and
`create_admin_account` shape them), keeps the child and member counters equal to what it
writes, and passes every generated name through the ORG-5 validators and every placement
through the ORG-1/2 check, so that a bad generated name fails loudly. Names and the shape
are deterministic for a given scale (`random.Random(scale)`); identifiers come from
`zhtj.core.clock.new_id` and differ between runs. Load into an empty table only: a province
that already has children is refused.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from msgspec.structs import asdict

from infra.local import dues_demo, life_demo, records_demo, transfer_demo, worklist_demo
from zhtj.accounts import login
from zhtj.accounts.models import Account, PhoneLogin
from zhtj.accounts.service import new_grant
from zhtj.core.clock import new_id, now, today_in_china
from zhtj.core.identity import check_character
from zhtj.counters import service as counters
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import PaidMonth
from zhtj.names import index as search_index
from zhtj.orgs.authz import ADMIN_ROLE
from zhtj.orgs.models import Org
from zhtj.orgs.rules import (
    FULL_NAME_SUFFIX,
    Level,
    OrgType,
    Placement,
    Sector,
    check_placement,
    validate_alias,
    validate_full_name,
    validate_short_name,
)
from zhtj.orgs.service import bootstrap_province, name_claim, name_tokens, set_index_keys
from zhtj.registration import identity_check
from zhtj.registration import service as registration
from zhtj.registration.form import read_form
from zhtj.registration.models import Claim, Registration
from zhtj.registration.rules import NUMBERED_ERA, IdentityProof, RegistrationState, Submission, check_submission
from zhtj.signin import passwords, sessions
from zhtj.signin.tokens import Principal
from zhtj.table import keys, pii
from zhtj.table.base import Item
from zhtj.table.unit_of_work import Actor, UnitOfWork

SECRETARY = "书记"
MAX_SCALE = 1_000_000
# Members per branch on average: with the committees and general branches above them this
# gives about one organisation per ten members.
MEMBERS_PER_BRANCH = 13.0
BRANCH_MIN, BRANCH_MAX = 3, 30
# Branches per committee, and per general branch, before another one is opened.
BRANCHES_PER_UNIT = 10
BRANCHES_PER_GENERAL = 5
# A general branch is only opened above this many branches in one committee.
GENERAL_BRANCH_FROM = 6
BRANCHES_PER_COUNTY = 30

FULL_PREFIX = "中国共产主义青年团"
SHORT_WORD: dict[OrgType, str] = {
    OrgType.BASIC_COMMITTEE: "团委",
    OrgType.WORKING_COMMITTEE: "团工委",
    OrgType.GENERAL_BRANCH: "团总支",
    OrgType.BRANCH: "团支部",
}

# --- Names ------------------------------------------------------------------------------

# (city, weight ~ its youth population, districts; None: no counties, towns instead)
CITIES: tuple[tuple[str, int, tuple[str, ...] | None], ...] = (
    (
        "广州",
        19,
        ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区", "从化区", "增城区"),
    ),
    ("深圳", 18, ("福田区", "罗湖区", "南山区", "盐田区", "宝安区", "龙岗区", "龙华区", "坪山区", "光明区")),
    ("珠海", 3, ("香洲区", "斗门区", "金湾区")),
    ("汕头", 5, ("金平区", "龙湖区", "濠江区", "潮阳区", "潮南区", "澄海区", "南澳县")),
    ("佛山", 10, ("禅城区", "南海区", "顺德区", "三水区", "高明区")),
    (
        "韶关",
        3,
        ("浈江区", "武江区", "曲江区", "乐昌市", "南雄市", "仁化县", "始兴县", "翁源县", "新丰县", "乳源瑶族自治县"),
    ),
    ("湛江", 7, ("赤坎区", "霞山区", "坡头区", "麻章区", "廉江市", "雷州市", "吴川市", "遂溪县", "徐闻县")),
    ("肇庆", 4, ("端州区", "鼎湖区", "高要区", "四会市", "广宁县", "怀集县", "封开县", "德庆县")),
    ("江门", 5, ("蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市")),
    ("茂名", 6, ("茂南区", "电白区", "高州市", "化州市", "信宜市")),
    ("惠州", 6, ("惠城区", "惠阳区", "博罗县", "惠东县", "龙门县")),
    ("梅州", 4, ("梅江区", "梅县区", "兴宁市", "大埔县", "丰顺县", "五华县", "平远县", "蕉岭县")),
    ("汕尾", 3, ("城区", "陆丰市", "海丰县", "陆河县")),
    ("河源", 3, ("源城区", "东源县", "和平县", "龙川县", "紫金县", "连平县")),
    ("阳江", 3, ("江城区", "阳东区", "阳春市", "阳西县")),
    ("清远", 4, ("清城区", "清新区", "英德市", "连州市", "佛冈县", "阳山县", "连山壮族瑶族自治县", "连南瑶族自治县")),
    ("东莞", 10, None),
    ("中山", 4, None),
    ("潮州", 3, ("湘桥区", "潮安区", "饶平县")),
    ("揭阳", 5, ("榕城区", "揭东区", "普宁市", "揭西县", "惠来县")),
    ("云浮", 2, ("云城区", "云安区", "罗定市", "新兴县", "郁南县")),
)
# Towns and streets of the two cities without counties (their 镇街 report to the city).
TOWNS: dict[str, tuple[str, ...]] = {
    "东莞": ("莞城街道", "南城街道", "东城街道", "万江街道", "石龙镇", "虎门镇", "长安镇", "常平镇", "塘厦镇", "厚街镇",
             "寮步镇", "大朗镇", "凤岗镇", "清溪镇", "樟木头镇", "茶山镇", "石碣镇", "高埗镇", "麻涌镇", "中堂镇"),
    "中山": ("石岐街道", "东区街道", "西区街道", "南区街道", "五桂山街道", "小榄镇", "古镇镇", "坦洲镇", "三乡镇",
             "南头镇", "东凤镇", "黄圃镇", "沙溪镇", "横栏镇", "板芙镇", "神湾镇", "港口镇", "大涌镇"),
}  # fmt: skip

UNIVERSITIES: tuple[str, ...] = (
    "中山大学", "华南理工大学", "暨南大学", "华南师范大学", "华南农业大学", "深圳大学", "广州大学", "广东工业大学",
    "南方医科大学", "广东外语外贸大学", "汕头大学", "南方科技大学", "广州医科大学", "广州中医药大学", "广东财经大学",
    "广东药科大学", "广州美术学院", "星海音乐学院", "广州体育学院", "仲恺农业工程学院", "广东技术师范大学",
    "广东金融学院", "广东警官学院", "五邑大学", "佛山科学技术学院", "广东海洋大学", "广东医科大学", "岭南师范学院",
    "韶关学院", "惠州学院", "嘉应学院", "韩山师范学院", "肇庆学院", "广东石油化工学院", "广东第二师范学院",
    "东莞理工学院",
)  # fmt: skip
VOCATIONAL_COLLEGES: tuple[str, ...] = (
    "深圳职业技术学院", "广州番禺职业技术学院", "广东轻工职业技术学院", "顺德职业技术学院", "广东交通职业技术学院",
    "广东水利电力职业技术学院", "广东机电职业技术学院", "广东科学技术职业学院", "广东农工商职业技术学院",
    "广州铁路职业技术学院", "广东建设职业技术学院", "广东邮电职业技术学院", "广东工贸职业技术学院",
    "广东职业技术学院", "广东食品药品职业学院", "广东女子职业技术学院", "广东松山职业技术学院",
    "中山职业技术学院", "清远职业技术学院", "揭阳职业技术学院",
)  # fmt: skip

# (college, majors): the majors name the classes (at most 8 characters, for the alias).
UNIVERSITY_SCHOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("计算机学院", ("软件工程", "计算机科学与技术", "网络工程", "人工智能")),
    ("外国语学院", ("英语", "日语", "翻译", "商务英语")),
    ("经济学院", ("经济学", "金融学", "国际经济与贸易", "财政学")),
    ("管理学院", ("工商管理", "会计学", "市场营销", "人力资源管理")),
    ("法学院", ("法学", "知识产权")),
    ("数学学院", ("数学与应用数学", "统计学", "信息与计算科学")),
    ("物理学院", ("物理学", "应用物理学", "光电信息科学")),
    ("化学学院", ("化学", "应用化学", "化学工程与工艺")),
    ("生命科学学院", ("生物科学", "生物技术", "生态学")),
    ("机械工程学院", ("机械设计制造", "车辆工程", "机器人工程")),
    ("电子信息学院", ("电子信息工程", "通信工程", "微电子")),
    ("土木工程学院", ("土木工程", "给排水科学", "工程管理")),
    ("新闻传播学院", ("新闻学", "广告学", "网络与新媒体")),
    ("马克思主义学院", ("思想政治教育",)),
    ("艺术学院", ("美术学", "音乐学", "视觉传达设计")),
    ("体育学院", ("体育教育", "运动训练")),
    ("医学院", ("临床医学", "护理学", "预防医学")),
    ("材料学院", ("材料科学与工程", "高分子材料")),
    ("环境学院", ("环境工程", "环境科学")),
    ("历史学院", ("历史学", "考古学")),
)
VOCATIONAL_SCHOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("智能制造学院", ("机电一体化技术", "工业机器人技术", "数控技术")),
    ("信息工程学院", ("软件技术", "大数据技术", "计算机网络技术")),
    ("商学院", ("电子商务", "大数据与会计", "现代物流管理")),
    ("汽车学院", ("汽车检测与维修", "新能源汽车技术")),
    ("艺术设计学院", ("环境艺术设计", "数字媒体艺术设计")),
    ("建筑工程学院", ("建筑工程技术", "工程造价")),
    ("旅游学院", ("酒店管理", "旅游管理")),
    ("护理学院", ("护理", "助产")),
    ("财经学院", ("金融服务与管理", "财富管理")),
    ("外语学院", ("商务英语", "应用日语")),
    ("电气工程学院", ("电气自动化技术", "供用电技术")),
    ("食品学院", ("食品检验检测技术", "食品营养与健康")),
)
UNIVERSITY_YEARS = (2021, 2022, 2023, 2024)
SCHOOL_YEARS = (2022, 2023, 2024)

STREETS = (
    "城东", "城西", "城南", "城北", "新城", "东湖", "西湖", "南湖", "北山", "东山", "西山", "南山", "龙江", "凤凰",
    "金沙", "银湖", "长安", "新华", "滨江", "江南", "石门", "白沙", "黄岗", "沙河", "太平", "永和", "大岭", "横沥",
)  # fmt: skip
COMMUNITIES = (
    "和平", "幸福", "光明", "春风", "阳光", "文明", "团结", "东风", "红星", "桂花", "翠竹", "金花", "青云", "朝阳",
    "育才", "海景", "锦绣", "兴隆", "永安", "富民", "福安", "康乐", "怡景", "华侨", "龙田", "泰安", "荔园", "榕树",
)  # fmt: skip
QUARTERS = ("东片区", "西片区", "南片区", "北片区", "中片区")
COMPANIES = (
    "华信电子", "粤海科技", "南方智造", "珠江物流", "岭南文旅", "恒通建设", "宏达精密", "新丰食品", "海天机电",
    "金穗农业", "德豪照明", "远航船舶", "天和医药", "嘉禾纺织", "中瑞新材料", "安达汽车配件", "光耀光电",
    "利民服装", "顺捷快递", "汇丰家具", "鸿图软件", "美丽华陶瓷", "万通电器", "雅居地产",
)  # fmt: skip
COMPANY_DEPARTMENTS = (
    "研发中心", "生产部", "市场部", "财务部", "客服中心", "工程部", "质量部", "物流部", "行政部", "销售部",
    "技术部", "采购部", "信息部", "安全部", "人力资源部", "设备部",
)  # fmt: skip
HOSPITAL_DEPARTMENTS = (
    "心血管内科", "急诊科", "儿科", "妇产科", "检验科", "放射科", "药学部", "护理部", "神经内科", "骨科", "肿瘤科",
    "麻醉科", "眼科", "消化内科", "呼吸内科", "普外科",
)  # fmt: skip
OFFICE_DEPARTMENTS = (
    "办公室", "人事处", "财务处", "政策法规处", "规划处", "信息中心", "机关服务中心", "审批处", "监督处", "宣传处",
    "综合处", "科技处", "法制处", "统计处", "应急处", "外事处",
)  # fmt: skip

# (short name, full name, alias, sector, the units beneath it, their sector, their departments)
WORKING_COMMITTEES: tuple[tuple[str, str, str, Sector, tuple[str, ...], Sector, tuple[str, ...]], ...] = (
    ("省直机关团工委", "中国共产主义青年团广东省直属机关工作委员会", "省直机关团工委", Sector.GOVERNMENT,
     ("广东省教育厅", "广东省财政厅", "广东省交通运输厅", "广东省卫生健康委员会", "广东省人力资源和社会保障厅",
      "广东省自然资源厅", "广东省生态环境厅", "广东省商务厅", "广东省文化和旅游厅", "广东省民政厅", "广东省农业农村厅",
      "广东省科学技术厅"),
     Sector.GOVERNMENT, OFFICE_DEPARTMENTS),
    ("省国资委团工委", "中国共产主义青年团广东省国资委工作委员会", "省国资委团工委", Sector.ENTERPRISE,
     ("广东省广晟控股集团", "广东省粤海控股集团", "广东省广新控股集团", "广东省建筑工程集团", "广东省能源集团",
      "广东省交易控股集团", "广东省旅游控股集团", "广东省航运集团", "广东省铁路建设投资集团", "广东省机场管理集团"),
     Sector.ENTERPRISE, COMPANY_DEPARTMENTS),
    ("省非公有制经济组织团工委", "中国共产主义青年团广东省非公有制经济组织工作委员会", "省非公团工委",
     Sector.ENTERPRISE, tuple(f"广东{c}有限公司" for c in COMPANIES), Sector.ENTERPRISE, COMPANY_DEPARTMENTS),
    ("省社会组织团工委", "中国共产主义青年团广东省社会组织工作委员会", "省社会组织团工委", Sector.OTHER,
     ("广东省青年企业家协会", "广东省志愿者联合会", "广东省律师协会", "广东省注册会计师协会", "广东省青年科学家协会",
      "广东省社会工作者协会", "广东省互联网协会", "广东省青少年发展基金会"),
     Sector.OTHER, OFFICE_DEPARTMENTS),
)  # fmt: skip

SURNAMES = (
    "陈", "李", "黄", "张", "梁", "林", "刘", "王", "吴", "何", "罗", "郑", "谢", "杨", "冯", "邓", "许", "曾", "周",
    "蔡", "叶", "余", "潘", "朱", "钟", "卢", "苏", "赖", "胡", "彭", "徐", "郭", "赵", "欧阳", "麦", "方", "邱",
)  # fmt: skip
GIVEN = (
    "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平",
    "华", "玲", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "婷", "雪", "琳", "晨", "欣", "怡", "梓",
    "涵", "轩", "佳", "琪", "思", "雨", "嘉", "诗", "博", "文", "晓", "诺", "铭", "睿", "泽", "宏", "志", "颖",
    "晴", "子", "家", "锦", "倩", "彤",
)  # fmt: skip

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (一, 十, 十二, 二十三)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def nth(pool: Sequence[str], k: int) -> str:
    """The k-th name of a pool; past its end the names come round again numbered (东湖二)."""
    name = pool[k % len(pool)]
    return name if k < len(pool) else name + chinese_number(k // len(pool) + 1)


# --- Building the tree --------------------------------------------------------------------


@dataclass
class Node:
    """An organisation being built, with what its children need to know of it."""

    org: Org
    city_region: str | None  # ORG-5: names below a city start with its region
    children: int = 0


@dataclass
class Unit:
    """A committee that holds branches, and how its branches are named."""

    node: Node
    core: str  # its name without the type word: the stem of its children's names
    label: str  # its alias without the type word: the stem of its general branches' aliases
    style: str  # "class", "department" or "community"
    sector: Sector
    pool: Sequence[str] = ()  # departments or communities
    years: Sequence[int] = ()
    majors: Sequence[str] = ()
    named: int = 0  # branches named from the pool so far


def fit_alias(text: str) -> str:
    """An alias (代称) of at most 16 characters: the end of the text, which names the unit."""
    return text[-16:]


def ordinal(n: int) -> str:
    return f"第{chinese_number(n)}" if n < 100 else f"第{n}"


@dataclass
class Builder:
    stamp: datetime
    rng: random.Random
    orgs: list[Node] = field(default_factory=list)
    branches: list[Node] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    phones: int = 0  # accounts' phone numbers handed out so far

    def new_id(self, prefix: str) -> str:
        while (value := new_id(prefix)) in self.used_ids:
            pass
        self.used_ids.add(value)
        return value

    def child(
        self,
        parent: Node,
        org_type: OrgType,
        sector: Sector,
        core: str,
        alias: str,
        *,
        short_name: str | None = None,
        full_name: str | None = None,
        level: Level | None = None,
        region_name: str | None = None,
        entry_year: int | None = None,
    ) -> Node:
        """An organisation under `parent`, built as `create_child` builds it (ORG-1/2/5 checked)."""
        up = parent.org
        check_placement(Placement(OrgType(up.org_type), Level(up.level) if up.level else None), org_type, level)
        short = short_name or core + SHORT_WORD[org_type]
        full = full_name or FULL_PREFIX + core + FULL_NAME_SUFFIX[org_type]
        city_prefix = None if level == Level.CITY else parent.city_region
        org_id = self.new_id("o")
        org = Org(
            org_id=org_id,
            parent_id=up.org_id,
            path=f"{up.path}{org_id}/",
            depth=up.depth + 1,
            org_type=org_type.value,
            level=level.value if level else None,
            sector=sector.value,
            short_name=validate_short_name(short, org_type, city_prefix, entry_year is not None, entry_year),
            full_name=validate_full_name(full, org_type),
            alias=validate_alias(alias),
            region_name=region_name,
            entry_year=entry_year,
            created_at=self.stamp,
            member_count=0,
            child_count=0,
            version=1,  # what a transactional put writes
        )
        set_index_keys(org)
        parent.children += 1
        node = Node(org, region_name if level == Level.CITY else parent.city_region)
        self.orgs.append(node)
        if org_type == OrgType.BRANCH:
            self.branches.append(node)
        return node

    # --- Shares -----------------------------------------------------------------------

    def split(self, total: int, parts: int) -> list[int]:
        """`total` in `parts` nearly equal shares, the odd ones placed at random."""
        base, extra = divmod(total, parts)
        shares = [base] * parts
        for i in self.rng.sample(range(parts), extra):
            shares[i] += 1
        return shares

    def rotated(self, pool: Sequence[str]) -> Sequence[str]:
        """A pool starting at a random place, so that sibling units are not all named alike."""
        offset = self.rng.randrange(len(pool))
        return [*pool[offset:], *pool[:offset]]

    def groups(self, branches: int, per_group: int, most: int) -> list[int]:
        """Branch counts of the groups (counties, committees, general branches) a budget is
        spread over: about `per_group` each, at most `most` groups, none empty."""
        if branches <= 0:
            return []
        return self.split(branches, max(1, min(most, math.ceil(branches / per_group))))

    # --- Committees and their branches -------------------------------------------------

    def committee(
        self,
        parent: Node,
        core: str,
        label: str,
        sector: Sector,
        style: str,
        *,
        org_type: OrgType = OrgType.BASIC_COMMITTEE,
        pool: Sequence[str] = (),
        years: Sequence[int] = (),
        majors: Sequence[str] = (),
    ) -> Unit:
        node = self.child(parent, org_type, sector, core, fit_alias(label + SHORT_WORD[org_type]))
        if style == "community":
            pool = self.rotated(COMMUNITIES)
        return Unit(node, core, label, style, sector, pool, years, majors)

    def fill(self, unit: Unit, branches: int) -> None:
        """Branches under a committee, grouped into general branches once there are enough
        (a school's by entry year, a company's by department, a street's by quarter)."""
        if branches >= GENERAL_BRANCH_FROM:
            most = len(unit.years) if unit.style == "class" else branches
            for k, share in enumerate(self.groups(branches, BRANCHES_PER_GENERAL, most)):
                self.general_branch(unit, k, share)
            return
        for k in range(branches):
            self.branch(unit, unit.node, unit.core, k, self.rng.choice(unit.years) if unit.years else None)

    def general_branch(self, unit: Unit, k: int, branches: int) -> None:
        year: int | None = None
        if unit.style == "class":
            year = unit.years[::-1][k % len(unit.years)]
            label = f"{year}级"
            alias = f"{unit.label}{label}团总支"
        else:
            label = nth(unit.pool if unit.style == "department" else QUARTERS, k)
            alias = label + "团总支"
        general = self.child(unit.node, OrgType.GENERAL_BRANCH, unit.sector, unit.core + label, fit_alias(alias))
        for i in range(branches):
            self.branch(unit, general, unit.core + label, i, year)

    def branch(self, unit: Unit, parent: Node, stem: str, k: int, year: int | None) -> Node:
        grouped = parent is not unit.node
        if unit.style == "class":
            major = unit.majors[k % len(unit.majors)]
            klass = f"{year}级{major}{k // len(unit.majors) + 1}班"
            label = klass.removeprefix(f"{year}级") if grouped else klass
            return self.child(parent, OrgType.BRANCH, unit.sector, stem + label, fit_alias(klass), entry_year=year)
        if unit.style == "department":
            label = ordinal(k + 1) if grouped else nth(unit.pool, k)
        else:
            label = nth(unit.pool, unit.named) + "社区"
            unit.named += 1
        return self.child(parent, OrgType.BRANCH, unit.sector, stem + label, fit_alias(label + "团支部"))

    # --- The top-level units (ORG-8) ---------------------------------------------------

    def city(self, root: Node, name: str, districts: tuple[str, ...] | None, branches: int) -> Node:
        region = f"{name}市"
        city = self.child(
            root,
            OrgType.LEADING_ORGAN,
            Sector.GOVERNMENT,
            region,
            f"{name}团市委",
            short_name=f"{name}团市委",
            full_name=f"{FULL_PREFIX}{region}委员会",
            level=Level.CITY,
            region_name=region,
        )
        if districts is None:  # 东莞, 中山: towns and streets report to the city itself
            towns = TOWNS[name]
            for k, share in enumerate(self.groups(branches, BRANCHES_PER_UNIT, len(towns))):
                core = f"{region}{towns[k]}"
                unit = self.committee(city, core, towns[k], Sector.COMMUNITY, "community")
                self.fill(unit, share)
            return city
        for k, share in enumerate(self.groups(branches, BRANCHES_PER_COUNTY, len(districts))):
            self.county(city, region, districts[k], share)
        return city

    def county(self, city: Node, city_region: str, district: str, branches: int) -> None:
        if district.endswith("自治县"):
            short = f"{district[:2]}团县委"
        elif len(district) <= 2:
            short = f"{district}团委"
        else:
            short = f"{district[:-1]}团{district[-1]}委"
        region = city_region + district
        county = self.child(
            city,
            OrgType.LEADING_ORGAN,
            Sector.GOVERNMENT,
            region,
            short,
            short_name=city_region + short,
            full_name=f"{FULL_PREFIX}{region}委员会",
            level=Level.COUNTY,
            region_name=region,
        )
        town_word = "街道" if district.endswith("区") else "镇"
        kinds = self.rng.sample(range(3), 3)  # the county's mix of streets, companies and schools
        streets, companies = self.rotated(STREETS), self.rotated(COMPANIES)
        for k, share in enumerate(self.groups(branches, BRANCHES_PER_UNIT, 3 * len(COMPANIES))):
            kind, n = kinds[k % 3], k // 3
            if kind == 0:
                street = nth(streets, n) + town_word
                unit = self.committee(
                    county, region + street, street, Sector.COMMUNITY, "community",
                    org_type=OrgType.WORKING_COMMITTEE,
                )  # fmt: skip
            elif kind == 1:
                company = nth(companies, n)
                unit = self.committee(
                    county, region + company + "有限公司", company, Sector.ENTERPRISE, "department",
                    pool=COMPANY_DEPARTMENTS,
                )  # fmt: skip
            else:
                school = f"{ordinal(n + 1)}中学"
                unit = self.committee(
                    county, region + school, district[:2] + school, Sector.MIDDLE_SCHOOL, "class",
                    years=SCHOOL_YEARS, majors=("",),
                )  # fmt: skip
            self.fill(unit, share)

    def university(self, root: Node, name: str, vocational: bool, branches: int) -> None:
        sector = Sector.VOCATIONAL if vocational else Sector.UNIVERSITY
        schools = VOCATIONAL_SCHOOLS if vocational else UNIVERSITY_SCHOOLS
        years = SCHOOL_YEARS if vocational else UNIVERSITY_YEARS
        university = self.child(root, OrgType.BASIC_COMMITTEE, sector, name, name)
        offset = self.rng.randrange(len(schools))
        for k, share in enumerate(self.groups(branches, BRANCHES_PER_UNIT, len(schools))):
            college, majors = schools[(offset + k) % len(schools)]
            unit = self.committee(university, name + college, college, sector, "class", years=years, majors=majors)
            self.fill(unit, share)

    def working_committee(
        self, root: Node, spec: tuple[str, str, str, Sector, tuple[str, ...], Sector, tuple[str, ...]], branches: int
    ) -> None:
        short, full, alias, sector, units, unit_sector, departments = spec
        committee = self.child(root, OrgType.WORKING_COMMITTEE, sector, short, alias, short_name=short, full_name=full)
        for k, share in enumerate(self.groups(branches, BRANCHES_PER_UNIT, len(units))):
            name = units[k]
            unit = self.committee(
                committee, name, name.removeprefix("广东省").removeprefix("广东"), unit_sector,
                "department", pool=departments,
            )  # fmt: skip
            self.fill(unit, share)


def _top_level_weights() -> list[tuple[str, float]]:
    """Every root child with its share of the branches, in creation order."""
    weights: list[tuple[str, float]] = [(f"city:{name}", 57 * w / sum(c[1] for c in CITIES)) for name, w, _ in CITIES]
    colleges = [*UNIVERSITIES, *VOCATIONAL_COLLEGES]
    uni = [2.0 if i < 12 else 1.0 for i in range(len(colleges))]
    weights += [(f"university:{name}", 33 * w / sum(uni)) for name, w in zip(colleges, uni, strict=True)]
    weights += [("unit:0", 1.0), ("unit:1", 1.0), ("school:0", 1.0), ("school:1", 1.0)]
    weights += [(f"working:{k}", 1.75) for k in range(len(WORKING_COMMITTEES))]
    return weights


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder apportionment of `total` by `weights`."""
    whole = sum(weights)
    quotas = [total * w / whole for w in weights]
    shares = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def branch_sizes(rng: random.Random, members: int, branches: int) -> list[int]:
    """Members per branch: 3-30 each, `members` in all."""
    sizes = [BRANCH_MIN] * branches
    rest = members - BRANCH_MIN * branches
    weights = [rng.uniform(0.2, 1.8) for _ in range(branches)]
    whole = sum(weights)
    for i, w in enumerate(weights):
        sizes[i] += min(BRANCH_MAX - BRANCH_MIN, int(rest * w / whole))
    left = members - sum(sizes)
    open_ = [i for i in range(branches) if sizes[i] < BRANCH_MAX]
    while left > 0:
        i = rng.choice(open_)
        sizes[i] += 1
        left -= 1
        if sizes[i] == BRANCH_MAX:
            open_.remove(i)
    return sizes


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


# --- People -------------------------------------------------------------------------------

# Districts of Guangdong (GB/T 2260): the first six digits of the synthetic ID numbers.
REGION_CODES = (
    "440103", "440104", "440105", "440106", "440111", "440112", "440113", "440303", "440304", "440305",
    "440306", "440307", "440402", "440507", "440604", "440605", "440606", "441302", "441900", "442000",
    "445102", "440802", "440902", "441202", "440703", "441402", "441502", "441602", "441702", "441802",
)  # fmt: skip
# GB 3304 codes by weight: Guangdong is about 98 % 汉族; then 壮, 土家, 瑶, 苗, 畲, 回, 满.
ETHNICITY_WEIGHTS = {"01": 940, "08": 18, "15": 10, "13": 8, "06": 8, "22": 6, "03": 5, "11": 5}
# GB/T 4762: league members mostly; a member who joins the Party keeps the league until 28.
POLITICAL_WEIGHTS = {"03": 88, "02": 4, "01": 8}
WORKING_EDUCATION = {"高中": 10, "中专": 12, "大专": 30, "大学本科": 40, "硕士研究生": 8}
OCCUPATION_BY_SECTOR = {
    Sector.ENTERPRISE: "企业职工",
    Sector.GOVERNMENT: "公务员",
    Sector.PUBLIC_INSTITUTION: "事业单位人员",
    Sector.COMMUNITY: "社区工作者",
    Sector.OTHER: "社会组织从业人员",
}
# Age at entering a class's first year (its entry year), by the school's sector.
ENTRY_AGE = {Sector.MIDDLE_SCHOOL: 15, Sector.VOCATIONAL: 18, Sector.UNIVERSITY: 18}
ADMITTED_FROM_AGE = 14
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188", "189")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


@dataclass
class People:
    """Registration forms of synthetic people: valid ID numbers (a Guangdong district, a birth
    date that fits the branch, the sex digit, the check character) that are never reused,
    development numbers that are unique, and the varied facts a real branch has."""

    rng: random.Random
    today: date
    used_ids: set[str] = field(default_factory=set)
    made: int = 0

    def birth_date(self, org: Org) -> date:
        entry_age = ENTRY_AGE.get(Sector(org.sector)) if org.entry_year else None
        if entry_age is not None and org.entry_year is not None:
            year = int(org.entry_year) - entry_age
        else:
            year = self.today.year - self.rng.randint(18, 27)
        born = date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        youngest = date(self.today.year - ADMITTED_FROM_AGE - 1, self.today.month, 1)
        return min(born, youngest)

    def id_number(self, born: date, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)  # the 17th digit: odd for men
            body = f"{self.rng.choice(REGION_CODES)}{born:%Y%m%d}{sequence:03d}"
            number = body + check_character(body)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def form(self, name: str, branch: Org) -> Submission:
        """What the person would type on the registration form (REG-1), read as the form is read."""
        self.made += 1
        born = self.birth_date(branch)
        admitted = date(born.year + ADMITTED_FROM_AGE, born.month, 1)
        months = self.rng.randint(1, 30)
        joined = date(admitted.year + (admitted.month - 1 + months) // 12, (admitted.month - 1 + months) % 12 + 1, 1)
        joined = min(joined, self.today.replace(day=1))
        student = branch.entry_year is not None
        sector = Sector(branch.sector)
        if student:
            education = "初中" if sector == Sector.MIDDLE_SCHOOL else "高中"
        else:
            education = _weighted(self.rng, WORKING_EDUCATION)
        before_numbers = joined < NUMBERED_ERA
        submission, _ = read_form(
            {
                "name": name,
                "id_number": self.id_number(born, self.rng.random() < 0.5),
                "ethnicity": _weighted(self.rng, ETHNICITY_WEIGHTS),
                "political_status": "03" if student else _weighted(self.rng, POLITICAL_WEIGHTS),
                "join_month": f"{joined:%Y-%m}",
                "branch_id": branch.org_id,
                "is_cadre": False,
                # REG-3: a Central Committee number from 2017 (its year first), a paper proof before.
                "development_number": None if before_numbers else f"{joined.year}{44_000_000 + self.made:08d}",
                "identity_proof": IdentityProof.APPLICATION_FORM if before_numbers else None,
                "education": education,
                "occupation": "学生" if student else OCCUPATION_BY_SECTOR.get(sector, "其他从业人员"),
                "phone": f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}",
            }
        )
        return submission


def _approved(
    form: Submission, today: date, stamp: datetime, member_id: str, branch: Org, account_id: str | None
) -> Iterator[Item]:
    """The items an approved registration leaves (REG-1..4, REV-3), built by the registration
    path itself: the form checked as the worker checks it, the person stored as it stores it,
    the member made of the registration as approval makes it, the REG-4 claims passed to it."""
    facts = check_submission(form, today)
    registration_id = new_id("r")
    person = registration.person_fields(facts, registration_id, pii.blind_index(facts.identity.id_number))
    record = Registration(
        keys.registration_pk(registration_id),
        keys.META,
        gsi1pk=keys.branch_registrations_pk(branch.org_id),
        gsi1sk=f"{RegistrationState.APPROVED}#{stamp.isoformat()}#{registration_id}",
        registration_id=registration_id,
        branch_id=branch.org_id,
        state=RegistrationState.APPROVED,
        submitted_at=stamp,
        reviewed_at=stamp,
        real_name_state=identity_check.PASSED,
        member_id=member_id,
        version=1,
        **{k: v for k, v in asdict(person).items() if v is not None},
    )
    yield record
    claims = [keys.id_claim_pk(person.id_index)]
    if facts.development_number:
        claims.append(keys.development_number_claim_pk(facts.development_number))
    for pk in claims:
        yield Claim(pk, keys.META, owner_kind="MEMBER", owner_id=member_id)
    member = registration.member_of(record, member_id, branch.org_id, account_id)
    member.version = 1
    yield from search_index.index_items(member, branch)  # STAT-3: as approval writes them
    yield member


# --- Writing ------------------------------------------------------------------------------


@dataclass
class Logins:
    province_admin: str = ""
    city_admin: str = ""
    branch_admin: str = ""
    secretary: str = ""
    member_account: str = ""
    member_id: str = ""
    # The demo branch's members the dues and transfer demos act on (see DEMO_BRANCH_CAST).
    cast: dict[str, str] = field(default_factory=dict)


# The demo branch's first members, by role in the demos: the secretary (paid through six months
# ago, pays the rest through WeChat Pay), the member login (a year paid: the card), a member the
# branch pays for (an open order for the months since four months ago), a member seven months
# behind (the lapsing list) and the member whose transfer waits. Every other member of the
# province is paid up to last month (the migrated records' paid-through month).
DEMO_BRANCH_CAST = ("secretary", "member", "open_order", "lapsing", "mover")
PAID_THROUGH_MONTHS_AGO = {"secretary": 6, "open_order": 4, "lapsing": 8}
DEMO_BRANCH_MIN = len(DEMO_BRANCH_CAST)


def _paid_through(member_id: str, month: str, stamp: datetime) -> PaidMonth:
    """The one paid month that marks a member paid through `month` (dues count from the last)."""
    return PaidMonth(
        keys.member_pk(member_id),
        keys.paid_month_sk(month),
        month=month,
        amount_fen=20,
        order_id="demo-migrated",
        paid_at=stamp,
        provider="demo",
    )


# ACCT: every demo account signs in with its phone and this password (hashed once: the demo's
# accounts share one Argon2id hash, salt included, which real accounts never do).
DEMO_PASSWORD = "zhtj2026"


@cache
def _demo_password_hash() -> str:
    return passwords.hash_password(DEMO_PASSWORD)


def _account(builder: Builder, name: str, member_id: str | None = None) -> tuple[Account, PhoneLogin]:
    """An account and its phone login: numbers +86 139 0000 0001 and up, in the order made."""
    account_id = builder.new_id("u")
    builder.phones += 1
    phone = f"+86139{builder.phones:08d}"
    account = Account(
        keys.account_pk(account_id),
        keys.META,
        account_id=account_id,
        name=name,
        phone=phone,
        password_hash=_demo_password_hash(),
        member_id=member_id,
        created_at=builder.stamp,
    )
    return account, PhoneLogin(keys.phone_login_pk(phone), keys.META, account_id=account_id)


def _session(account_id: str, org_id: str | None) -> str:
    """A ready access token of a new session (what signing in gives), for curl."""
    account = Account.get(keys.account_pk(account_id), keys.META, consistent_read=True)
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    opened = sessions.open_session(uow, login.subject_of(account), org_id)
    uow.commit()
    return opened.access_token


def _phone(account_id: str) -> str:
    return str(Account.get(keys.account_pk(account_id), keys.META).phone)


def _members(builder: Builder, sizes: Sequence[int], demo_branch: Node, logins: Logins) -> Iterator[Item]:
    """Each branch's members, its secretary first (account, member, 书记), as items to write:
    each one an approved registration of a generated person, paid up as DEMO_BRANCH_CAST says."""
    rng = builder.rng
    today = today_in_china()
    people = People(rng, today)
    this_month = dues_rules.month_of(today)
    for node, size in zip(builder.branches, sizes, strict=True):
        branch_id = node.org.org_id
        for i in range(size):
            name, member_id = person_name(rng), builder.new_id("m")
            role = DEMO_BRANCH_CAST[i] if node is demo_branch and i < len(DEMO_BRANCH_CAST) else None
            account: Account | None = None
            if i == 0 or role == "member":
                account, phone_login = _account(builder, name, member_id)
                yield account
                yield phone_login
                if i == 0:
                    yield new_grant(account.account_id, branch_id, SECRETARY)
                    if node is demo_branch:
                        logins.secretary = account.account_id
                else:
                    logins.member_account, logins.member_id = account.account_id, member_id
            if role:
                logins.cast[role] = member_id
            form = people.form(name, node.org)
            yield from _approved(
                form, today, builder.stamp, member_id, node.org, account.account_id if account else None
            )
            months_ago = PAID_THROUGH_MONTHS_AGO.get(role or "", 1)
            yield _paid_through(member_id, dues_rules.add_months(this_month, -months_ago), builder.stamp)


def load(scale: int = 200) -> dict[str, str]:
    """Build the demo province for `scale` members and return its logins (see the module doc).

    Raises ValueError for a scale outside 3..1,000,000 and RuntimeError when the province
    already has organisations beneath it."""
    if not BRANCH_MIN <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between {BRANCH_MIN} and {MAX_SCALE}")
    province = bootstrap_province("广东团省委", "中国共产主义青年团广东省委员会", "广东团省委", "广东省")
    root = province.root
    if root.child_count:
        raise RuntimeError("the province already has organisations: load the demo data into an empty table")
    rng = random.Random(scale)
    builder = Builder(now(), rng)
    top = Node(root, None)

    branch_total = min(scale // BRANCH_MIN, max(1, round(scale / MEMBERS_PER_BRANCH)))
    weights = _top_level_weights()
    shares = allocate(branch_total, [w for _, w in weights])
    guangzhou = 0  # CITIES[0]: the logins live in 广州, so it always has a branch
    if shares[guangzhou] == 0:
        shares[max(range(len(shares)), key=lambda i: shares[i])] -= 1
        shares[guangzhou] = 1
    share = dict(zip((key for key, _ in weights), shares, strict=True))

    city_node: Node | None = None
    for name, _, districts in CITIES:
        node = builder.city(top, name, districts, share[f"city:{name}"])
        city_node = city_node or node
    for i, name in enumerate([*UNIVERSITIES, *VOCATIONAL_COLLEGES]):
        builder.university(top, name, i >= len(UNIVERSITIES), share[f"university:{name}"])
    units = (
        ("广东省人民医院", "省医", Sector.PUBLIC_INSTITUTION, HOSPITAL_DEPARTMENTS),
        ("广东省交通集团有限公司", "省交通集团", Sector.ENTERPRISE, COMPANY_DEPARTMENTS),
    )
    for k, (name, label, sector, departments) in enumerate(units):
        unit = builder.committee(top, name, label, sector, "department", pool=departments)
        builder.fill(unit, share[f"unit:{k}"])
    schools = (
        ("广东实验中学", "省实", Sector.MIDDLE_SCHOOL, ("",)),
        ("广东省机械技师学院", "省机械技师学院", Sector.VOCATIONAL, ("数控加工", "机电一体化", "汽车维修")),
    )
    for k, (name, label, sector, majors) in enumerate(schools):
        unit = builder.committee(top, name, label, sector, "class", years=SCHOOL_YEARS, majors=majors)
        builder.fill(unit, share[f"school:{k}"])
    for k, spec in enumerate(WORKING_COMMITTEES):
        builder.working_committee(top, spec, share[f"working:{k}"])
    assert city_node is not None and top.children == len(weights)

    guangzhou_path = city_node.org.path
    sizes = branch_sizes(rng, scale, len(builder.branches))
    in_guangzhou = [
        (b, n) for b, n in zip(builder.branches, sizes, strict=True) if b.org.path.startswith(guangzhou_path)
    ]
    # The first branch in 广州 large enough for every demo role (else the largest there).
    demo_branch = next((b for b, n in in_guangzhou if n >= DEMO_BRANCH_MIN), max(in_guangzhou, key=lambda bn: bn[1])[0])
    for node, size in zip(builder.branches, sizes, strict=True):
        node.org.member_count = size
    for node in builder.orgs:
        node.org.child_count = node.children

    logins = Logins()
    admins: list[Item] = []
    admin_ids: list[str] = []
    for org, name in ((root, "团省委管理员"), (city_node.org, "广州团市委管理员"), (demo_branch.org, "团支部管理员")):
        account, phone_login = _account(builder, name)
        admins += [account, phone_login, new_grant(account.account_id, org.org_id, ADMIN_ROLE)]
        admin_ids.append(account.account_id)
    logins.province_admin, logins.city_admin, logins.branch_admin = admin_ids

    with Item.batch_write() as batch:
        for node in builder.orgs:
            batch.save(node.org)
            # STAT-1: its counters come from the stream
            batch.save(counters.new_own_stat(node.org.org_id, node.org.path))
            for token in name_tokens(node.org):
                batch.save(token)
            batch.save(name_claim(node.org))  # ORG-5: its short name is its own in the province
        for item in admins:
            batch.save(item)
        for item in _members(builder, sizes, demo_branch, logins):
            batch.save(item)
    # The root's counter moves like create_child's (commutative, not versioned).
    root.update(actions=[Org.child_count.add(top.children)], add_version_condition=False)
    demo_card(logins.member_id, builder.stamp)

    # DUES: retention shares, a paid member, an open order, a lapsing member (infra/local/dues_demo.py).
    cast = logins.cast
    dues = dues_demo.load(
        [n.org for n in builder.orgs], demo_branch.org.org_id, logins.secretary, cast.get("open_order"),
    )  # fmt: skip
    # LIFE-1, PARTY-1, DUES-5: the branch's meetings, the member login recommended to the Party and
    # approved by the committee above (an administrator of its own), the lapsing member's first
    # unpaid month paid offline (infra/local/life_demo.py).
    parent_id = str(demo_branch.org.parent_id)
    reviewer = Principal(_admin(builder, next(n.org for n in builder.orgs if n.org.org_id == parent_id)), parent_id)
    branch_life = life_demo.load(
        demo_branch.org.org_id,
        logins.branch_admin,
        reviewer,
        logins.member_id,
        cast.get("lapsing"),
        list(dict.fromkeys(cast.values())),
        [cast[role] for role in ("open_order", "lapsing", "secretary") if role in cast],
    )
    # Member records: last year's registration and certified evaluation, an award and volunteer
    # hours of the member login (infra/local/records_demo.py).
    records = records_demo.load(demo_branch.org.org_id, logins.branch_admin, reviewer, logins.member_id)
    # XFER: a transfer waiting on the demo branch (infra/local/transfer_demo.py), and an
    # administrator for every organisation its chain asks, so that it can be approved to the end.
    elsewhere = next((b.org for b in builder.branches if not b.org.path.startswith(guangzhou_path)), None)
    operator = Principal(logins.branch_admin, demo_branch.org.org_id)
    transfer = transfer_demo.load(elsewhere, cast.get("mover"), operator)
    step_admins: dict[str, str] = {}
    if transfer is not None:
        by_id = {n.org.org_id: n.org for n in builder.orgs}
        for step, org_id in enumerate((str(org) for org in transfer.chain), start=1):
            admin = logins.branch_admin if org_id == demo_branch.org.org_id else _admin(builder, by_id[org_id])
            step_admins[f"transfer_step{step}_org"] = by_id[org_id].short_name
            step_admins[f"transfer_step{step}_admin"] = _session(admin, org_id)
            step_admins[f"transfer_step{step}_admin_phone"] = _phone(admin)

    # MSG-4: the demo branch's work list also holds a registration pending review and an edit
    # request (infra/local/worklist_demo.py), beside the transfer waiting on it.
    # REG-5: another branch (in 广州 if there is one; not the transfer's) holds a registration
    # whose real-name check failed twice, for its administrator (a demo login) to pass offline
    # with a photo.
    others = [b.org for b in builder.branches if b is not demo_branch]
    offline_branch = next(
        (o for o in others if o.path.startswith(guangzhou_path)),
        next((o for o in others if o is not elsewhere), elsewhere),
    )
    offline_admin = _admin(builder, offline_branch) if offline_branch else None
    work = worklist_demo.load(
        demo_branch.org.org_id,
        logins.secretary,
        cast["secretary"],
        scale,
        offline_branch.org_id if offline_branch else None,
    )
    offline_login = (
        {"offline_branch_admin": (offline_admin, offline_branch.org_id)} if offline_admin and offline_branch else {}
    )

    return {
        "root_org_id": root.org_id,
        "city_org_id": city_node.org.org_id,
        "branch_org_id": demo_branch.org.org_id,
        "member_id": logins.member_id,
        **dues,
        **branch_life,
        **records,
        # PARTY-1: the committee directly above the demo branch decides its recommendations.
        "committee_org_id": parent_id,
        "committee_admin_phone": _phone(reviewer.account_id),
        **({"transfer_id": transfer.transfer_id, "transfer_member_id": transfer.member_id} if transfer else {}),
        **step_admins,
        **work,
        **({"offline_branch_org_id": offline_branch.org_id} if offline_branch else {}),
        **_logins(
            {
                "province_admin": (logins.province_admin, root.org_id),
                "city_admin": (logins.city_admin, city_node.org.org_id),
                "branch_secretary": (logins.secretary, demo_branch.org.org_id),
                "member": (logins.member_account, None),
                **offline_login,
            }
        ),
        "demo_password": DEMO_PASSWORD,
    }


def _logins(accounts: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """Each demo login's phone (`<name>_phone`) and a ready token acting for its organisation."""
    shown: dict[str, str] = {}
    for name, (account_id, org_id) in accounts.items():
        shown[f"{name}_phone"] = _phone(account_id)
        shown[name] = _session(account_id, org_id)
    return shown


def _admin(builder: Builder, org: Org) -> str:
    """An administrator account of `org` (管理员, handed down by its parent); returns its id."""
    account, phone_login = _account(builder, f"{org.short_name}管理员")
    account.save()
    phone_login.save()
    new_grant(account.account_id, org.org_id, ADMIN_ROLE).save()
    return account.account_id


def demo_card(member_id: str, stamp: datetime) -> None:
    """CARD-1: the demo member's last twelve months of dues paid, and the card marked due, so
    that the local runner's card worker renders it from the cards queue once its quiet period
    has passed (GET /members/<member_id>/card with the member token gives the download link)."""
    from zhtj.cards import due as card_due
    from zhtj.dues.models import PaidMonth
    from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

    year, month = stamp.year, stamp.month
    with Item.batch_write() as batch:
        for _ in range(12):
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            label = f"{year}-{month:02d}"
            batch.save(
                PaidMonth(
                    keys.member_pk(member_id),
                    keys.paid_month_sk(label),
                    month=label,
                    amount_fen=20,
                    order_id=f"demo-{label}",
                    paid_at=stamp,
                    provider="demo",
                )
            )
    uow = UnitOfWork(SYSTEM_ACTOR)
    card_due.changed(uow, member_id)
    uow.commit()
