"""National code lists used on the registration form (REG-1), kept as data."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from zhtj.core.errors import ValidationError

# Ethnicity (民族), GB 3304-91, in the standard's order.
ETHNICITIES: Final[Mapping[str, str]] = MappingProxyType({
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族",
    "05": "维吾尔族", "06": "苗族", "07": "彝族", "08": "壮族",
    "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族",
    "17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族",
    "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族",
    "29": "柯尔克孜族", "30": "土族", "31": "达斡尔族", "32": "仫佬族",
    "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族",
    "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族",
    "45": "鄂温克族", "46": "德昂族", "47": "保安族", "48": "裕固族",
    "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族",
    "53": "赫哲族", "54": "门巴族", "55": "珞巴族", "56": "基诺族",
})  # fmt: skip

# Political status (政治面貌), GB/T 4762, short names.
POLITICAL_STATUSES: Final[Mapping[str, str]] = MappingProxyType({
    "01": "中共党员", "02": "中共预备党员", "03": "共青团员", "04": "民革会员",
    "05": "民盟盟员", "06": "民建会员", "07": "民进会员", "08": "农工党党员",
    "09": "致公党党员", "10": "九三学社社员", "11": "台盟盟员",
    "12": "无党派民主人士", "13": "群众",
})  # fmt: skip


def _code_of(table: Mapping[str, str], value: str, field: str, error: str, label: str) -> str:
    text = value.strip()
    if text in table:
        return text
    for code, name in table.items():
        if name == text:
            return code
    raise ValidationError(error, f"{label}不在国家标准代码表中：{text}", field)


def ethnicity_code(value: str) -> str:
    """Take an ethnicity as code ("01") or name ("汉族"); return its code.

    Raises ValidationError ETHNICITY_UNKNOWN (field "ethnicity").
    """
    return _code_of(ETHNICITIES, value, "ethnicity", "ETHNICITY_UNKNOWN", "民族")


def political_status_code(value: str) -> str:
    """Take a political status as code ("03") or name ("共青团员"); return its code.

    Raises ValidationError POLITICAL_STATUS_UNKNOWN (field "political_status").
    """
    return _code_of(
        POLITICAL_STATUSES,
        value,
        "political_status",
        "POLITICAL_STATUS_UNKNOWN",
        "政治面貌",
    )
