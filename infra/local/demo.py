"""Demo data for the local stack: a province shaped like SPEC ORG-8, and four logins.

`load(scale)` bootstraps 广东团省委 (with its ORG-7 system organisation), puts the 85 direct
children of ORG-8 under it (21 cities, 56 universities, 2 provincial units, 2 provincial
schools, 4 working committees) and, below them, counties, committees, general branches and
branches holding `scale` members in all (branches of 3-30 members). The tree grows with the
scale: about one organisation per ten members, never fewer than the 85 root children.

Every branch has a secretary (书记): an account, its member record in that branch and the
position. Every member record is shaped as an approved registration leaves it (REV-3): a valid
ID number of its own (sealed, blind-indexed, masked) with the REG-4 claims, never a record
without one. Administrator accounts (管理员) are made for the root, 广州团市委 and one branch in
广州; the returned tokens log in as the province administrator, the city administrator, that
branch's secretary and a plain member of that branch.

This is a seeding tool, not a use of the system: it writes the items directly with
BatchWriteItem (25 per request, through PynamoDB's `batch_write`), bypassing the per-change
transactions and their audit records (AUDIT-1) that every change over the API carries. It
builds the items with the same builders the logic uses (`set_index_keys`, `name_tokens`,
`new_member`, `new_grant`, and Org/Account shaped as `create_child` and
`create_admin_account` shape them), keeps the child and member counters equal to what it
writes, and passes every generated name through the ORG-5 validators and every placement
through the ORG-1/2 check, so that a bad generated name fails loudly. Names and the shape
are deterministic for a given scale (`random.Random(scale)`); identifiers come from
`zhtj.clock.new_id` and differ between runs. Load into an empty table only: a province
that already has children is refused.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from infra.local import dues_demo, transfer_demo
from zhtj.clock import new_id, now
from zhtj.dal import keys, pii
from zhtj.dal.models import Account, Claim, Member, Org
from zhtj.dal.table import Item
from zhtj.domain.identity import check_character, mask_id_number, parse_id_number
from zhtj.domain.org_rules import (
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
from zhtj.domain.workdays import CHINA_TZ
from zhtj.logic import search_index, stats
from zhtj.logic.accounts import new_grant, new_member
from zhtj.logic.auth import ADMIN_ROLE
from zhtj.logic.orgs import bootstrap_province, name_tokens, set_index_keys
from zhtj.logic.tokens import Principal, issue_dev_token

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


# --- Writing ------------------------------------------------------------------------------


@dataclass
class Logins:
    province_admin: str = ""
    city_admin: str = ""
    branch_admin: str = ""
    secretary: str = ""
    member_account: str = ""
    member_id: str = ""


def _account(builder: Builder, name: str, member_id: str | None = None) -> Account:
    account_id = builder.new_id("u")
    return Account(
        keys.account_pk(account_id),
        keys.META,
        account_id=account_id,
        name=name,
        member_id=member_id,
        created_at=builder.stamp,
    )


def _person(member: Member, number: int, is_cadre: bool, today: date) -> Iterator[Item]:
    """The demo's `number`-th person on a member record as approval leaves it (REV-3): a valid ID
    number of their own (sealed, blind-indexed and masked, never stored in plain), the facts it
    carries, admitted this month with a development number of their own (so no month of dues is
    owed yet), and the REG-4 claims of both numbers."""
    birth = date(2000, 1, 1) + timedelta(days=number // 1000)
    body = f"440103{birth:%Y%m%d}{number % 1000:03d}"
    facts = parse_id_number(body + check_character(body), today)
    member.id_index = pii.blind_index(facts.id_number)
    member.id_masked = mask_id_number(facts.id_number)
    member.id_sealed = pii.seal(facts.id_number, {"purpose": "id_number", "member": member.member_id})
    member.birth_date, member.sex = facts.birth_date.isoformat(), facts.sex
    member.ethnicity, member.political_status, member.is_cadre = "01", "03", is_cadre
    member.join_month, member.development_number = f"{today:%Y-%m}", f"{today.year}{number:08d}"
    for pk in (keys.id_claim_pk(member.id_index), keys.development_number_claim_pk(member.development_number)):
        yield Claim(pk, keys.META, owner_kind="MEMBER", owner_id=member.member_id)


def _members(builder: Builder, sizes: Sequence[int], demo_branch: Node, logins: Logins) -> Iterator[Item]:
    """Each branch's members, its secretary first (account, member, 书记), as items to write."""
    rng = builder.rng
    today = builder.stamp.astimezone(CHINA_TZ).date()
    number = 0
    for node, size in zip(builder.branches, sizes, strict=True):
        branch_id = node.org.org_id
        for i in range(size):
            name, member_id = person_name(rng), builder.new_id("m")
            number += 1
            account: Account | None = None
            if i == 0 or (i == 1 and node is demo_branch):
                account = _account(builder, name, member_id)
                yield account
                if i == 0:
                    yield new_grant(account.account_id, branch_id, SECRETARY)
                    if node is demo_branch:
                        logins.secretary = account.account_id
                else:
                    logins.member_account, logins.member_id = account.account_id, member_id
            member = new_member(member_id, name, branch_id, account.account_id if account else None)
            member.version = 1
            yield from _person(member, number, i == 0, today)
            yield from search_index.index_items(member, node.org)  # STAT-3: as approval writes them
            yield member


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
    demo_branch = next(b for b in builder.branches if b.org.path.startswith(guangzhou_path))
    sizes = branch_sizes(rng, scale, len(builder.branches))
    for node, size in zip(builder.branches, sizes, strict=True):
        node.org.member_count = size
    for node in builder.orgs:
        node.org.child_count = node.children

    logins = Logins()
    admins: list[Item] = []
    admin_ids: list[str] = []
    for org, name in ((root, "团省委管理员"), (city_node.org, "广州团市委管理员"), (demo_branch.org, "团支部管理员")):
        account = _account(builder, name)
        admins += [account, new_grant(account.account_id, org.org_id, ADMIN_ROLE)]
        admin_ids.append(account.account_id)
    logins.province_admin, logins.city_admin, logins.branch_admin = admin_ids

    with Item.batch_write() as batch:
        for node in builder.orgs:
            batch.save(node.org)
            batch.save(stats.new_own_stat(node.org))  # STAT-1: its counters come from the stream
            for token in name_tokens(node.org):
                batch.save(token)
        for item in admins:
            batch.save(item)
        for item in _members(builder, sizes, demo_branch, logins):
            batch.save(item)
    # The root's counter moves like create_child's (commutative, not versioned).
    root.update(actions=[Org.child_count.add(top.children)], add_version_condition=False)
    demo_card(logins.member_id, builder.stamp)

    # DUES: retention shares, a paid member, an open order, a lapsing member (infra/local/dues_demo.py).
    dues_demo.load([n.org for n in builder.orgs], demo_branch.org.org_id, logins.member_id, logins.secretary)
    # XFER: a transfer waiting on the demo branch (infra/local/transfer_demo.py).
    elsewhere = next((b.org for b in builder.branches if not b.org.path.startswith(guangzhou_path)), None)
    operator = Principal(logins.branch_admin, demo_branch.org.org_id)
    transfer_demo.load(demo_branch.org, elsewhere, logins.member_id, operator)

    return {
        "root_org_id": root.org_id,
        "city_org_id": city_node.org.org_id,
        "branch_org_id": demo_branch.org.org_id,
        "member_id": logins.member_id,
        "province_admin": issue_dev_token(logins.province_admin, root.org_id),
        "city_admin": issue_dev_token(logins.city_admin, city_node.org.org_id),
        "branch_secretary": issue_dev_token(logins.secretary, demo_branch.org.org_id),
        "member": issue_dev_token(logins.member_account, None),
    }


def demo_card(member_id: str, stamp: datetime) -> None:
    """CARD-1: the demo member's last twelve months of dues paid, and the card marked due, so
    that the local runner's card worker renders it from the cards queue once its quiet period
    has passed (GET /members/<member_id>/card with the member token gives the download link)."""
    from zhtj.dal.models import PaidMonth
    from zhtj.dal.unit_of_work import SYSTEM_ACTOR, UnitOfWork
    from zhtj.logic import cards

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
    cards.changed(uow, member_id)
    uow.commit()
