"""Regions (地区) a customer can be placed in offline: the province of a mainland ID number and the city of
a landline's area code.

An ID number's first 2 digits are the province and its first 4 the city of the GB/T 2260 administrative
division code where it was issued (not necessarily where the customer lives now). Mobile numbers carry no
region a CRM can read offline (the 7-digit number-segment tables are licensed and change monthly), so
mobiles only tell "手机"; a landline's area code (010, 021, 0571 …) names its city.
"""

from __future__ import annotations

import re

# GB/T 2260 province-level codes: 34 provinces, autonomous regions, municipalities and SARs.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

# Area codes of the larger cities, for labels only: any well-formed area code may be used in a condition.
AREA_CODES: dict[str, str] = {
    "010": "北京", "020": "广州", "021": "上海", "022": "天津", "023": "重庆", "024": "沈阳", "025": "南京",
    "027": "武汉", "028": "成都", "029": "西安", "0311": "石家庄", "0351": "太原", "0371": "郑州",
    "0431": "长春", "0451": "哈尔滨", "0471": "呼和浩特", "0512": "苏州", "0531": "济南", "0532": "青岛",
    "0551": "合肥", "0571": "杭州", "0574": "宁波", "0591": "福州", "0592": "厦门", "0731": "长沙",
    "0755": "深圳", "0769": "东莞", "0771": "南宁", "0791": "南昌", "0851": "贵阳", "0871": "昆明",
    "0891": "拉萨", "0898": "海口", "0931": "兰州", "0951": "银川", "0971": "西宁", "0991": "乌鲁木齐",
}

# Chinese area codes are prefix-free: 010 and 02x have three digits, every other one four (03xx–09xx).
AREA_CODE = re.compile(r"^0(10|2\d|[3-9]\d\d)$")
CITY_CODE = re.compile(r"^\d{4}$")


def province_of(id_number: str | None) -> str | None:
    """Return the 2-digit province code of an ID number, or None when it has none we know."""
    code = (id_number or "")[:2]
    return code if code in PROVINCES else None


def city_code_of(id_number: str | None) -> str | None:
    """Return the 4-digit city code of an ID number (its first four digits), or None."""
    code = (id_number or "")[:4]
    return code if CITY_CODE.match(code) else None


def city_label(code: str) -> str:
    """Label a 4-digit city code by its province, e.g. 3101 → 上海市 3101."""
    province = PROVINCES.get(code[:2])
    return f"{province} {code}" if province else code


def area_label(code: str) -> str:
    """Label an area code, e.g. 021 → 021（上海）."""
    city = AREA_CODES.get(code)
    return f"{code}（{city}）" if city else code
