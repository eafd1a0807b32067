"""Deterministic demo enterprises (监管对象) with sites inside their districts; pure."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from server.geo import geodesic_area_m2
from server.registry.credit_code import CHARSET, make_credit_code
from server.registry.terms import positive_list_last_day

DEFAULT_BOUNDARIES = (
    Path(__file__).resolve().parents[1] / "data" / "boundaries" / "shanghai_districts.geojson"
)

SITE_MIN_M2 = 2_000.0
SITE_MAX_M2 = 80_000.0
DISTRICT_MARGIN_M = 100.0
COORD_DECIMALS = 6
_MAX_TRIES = 10_000

DISTRICT_NAMES: dict[str, str] = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
    "310112": "闵行区",
    "310113": "宝山区",
    "310114": "嘉定区",
    "310115": "浦东新区",
    "310116": "金山区",
    "310117": "松江区",
    "310118": "青浦区",
    "310120": "奉贤区",
    "310151": "崇明区",
}

TRADE_NAMES = (
    "华谊 申达 金桥 浦江 东方 宏远 恒丰 鑫盛 瑞昌 永新 联合 华东 江南 海湾 申华 新光 "
    "振华 博源 汇通 锦程 长江 明珠 天元 福瑞 兴隆 和盛 宝丰 嘉诚 茂源 德信 安泰 盛达 "
    "荣昌 鼎新 晨光 百川 广益 中联 华星 金泰 沪联 协力 同济 景程 凯达 昊天 立信 康源 "
    "润泽 启明 信达 佳乐 万丰 通达 亿丰 腾飞 正泰 宏达 华盛 远东 金鹏 新亚 大众 环宇 "
    "海纳 星辰 瀚海 君诚 优联 卓越 永信 元和 森茂 聚源 恒通 弘毅 春申 淞沪 松云 青溪"
).split()

# (industry label, words used in company names, weights for key / simplified / registration):
# heavily polluting trades are mostly under key permits, light trades mostly only registered.
INDUSTRIES: tuple[tuple[str, tuple[str, ...], tuple[int, int, int]], ...] = (
    ("化工", ("化工", "精细化工", "化学品"), (40, 45, 15)),
    ("电镀", ("电镀", "电镀加工"), (40, 45, 15)),
    ("危险废物经营", ("环保科技", "固废处置", "环境服务"), (40, 45, 15)),
    ("污水处理", ("水务", "污水处理", "水处理"), (40, 45, 15)),
    ("医药制造", ("制药", "医药", "生物医药"), (40, 45, 15)),
    ("纺织印染", ("印染", "纺织印染", "染整"), (40, 45, 15)),
    ("金属表面处理", ("金属表面处理", "表面处理", "五金"), (12, 45, 43)),
    ("涂装", ("涂装", "喷涂"), (12, 45, 43)),
    ("塑料制品", ("塑料制品", "塑胶"), (12, 45, 43)),
    ("电子元件", ("电子", "电子元件", "电子科技"), (12, 45, 43)),
    ("食品加工", ("食品", "食品加工"), (12, 45, 43)),
    ("印刷", ("印务", "印刷", "包装印刷"), (5, 30, 65)),
    ("家具制造", ("家具", "家具制造", "木业"), (5, 30, 65)),
    ("汽车维修", ("汽车维修", "汽车服务", "汽修"), (5, 30, 65)),
    ("混凝土搅拌", ("混凝土", "建材", "商品混凝土"), (5, 30, 65)),
)
PERMIT_CLASSES = ("key", "simplified", "registration")
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司")
# An optional qualifier between trade name and trade, as many real names have; it also gives
# enough distinct names for benchmark-sized registers (tens of thousands).
QUALIFIERS = ("", "", "", "新材料", "实业", "科技", "工贸", "精密", "环境", "德", "源", "恒")

ROAD_STEMS = (
    "金桥 张江 新华 江川 友谊 宝杨 城北 人民 工业 园区 兴业 创业 振兴 浦星 龙吴 沪闵 "
    "嘉松 松卫 青赵 沪太 蕰川 漕宝 虹梅 华宁 剑川 曹安 沪青平 申江 川沙 航头 南亭 亭卫 "
    "金石 朱枫 北松 莘砖 外青松 陈海 北沿 富长"
).split()
ROAD_KINDS = ("路", "路", "路", "公路", "大道")

SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗沈陆顾钱蒋施姚")
GIVEN_CHARS = tuple("伟芳娜敏静强磊军洋勇艳杰涛明超霞平刚华建国玲峰斌晨佳雯浩")
ROLES = ("环保负责人", "法定代表人", "安全环保专员", "生产负责人")
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "180 181 182 183 185 186 187 188 189"
).split()
RATINGS = ("A", "B", "C", "D")
RATING_WEIGHTS = (45, 40, 12, 3)
POSITIVE_LIST_SHARE = 0.10
POSITIVE_LIST_FIRST = date(2023, 1, 1)
POSITIVE_LIST_DAYS = 3 * 365


def load_districts_geojson(path: Path | str) -> dict[str, BaseGeometry]:
    """Read a FeatureCollection whose features carry an adcode property, keyed by adcode."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(f["properties"]["adcode"]): shape(f["geometry"]) for f in collection["features"]}


def generate_enterprises(
    districts: Mapping[str, BaseGeometry], per_district: int = 15, seed: int = 20260501
) -> list[dict]:
    """Return per_district demo enterprises for each district (adcode → WGS-84 geometry)."""
    rng = random.Random(seed)
    names: set[str] = set()
    codes: set[str] = set()
    enterprises = []
    for adcode in sorted(districts):
        area = _DistrictArea(districts[adcode])
        for _ in range(per_district):
            industry, words, weights = rng.choice(INDUSTRIES)
            permit_class = rng.choices(PERMIT_CLASSES, weights=weights)[0]
            code = _unique(codes, partial(_credit_code, rng, adcode))
            enterprise = {
                "name": _unique(names, partial(_company_name, rng, words)),
                "credit_code": code,
                "district": adcode,
                "address": _address(rng, adcode),
                "industry": industry,
                "permit_class": permit_class,
                "permit_number": _permit_number(rng, code, permit_class),
                **_positive_list(rng, permit_class),
                "credit_rating": rng.choices(RATINGS, weights=RATING_WEIGHTS)[0],
                "contacts": _contacts(rng),
                "site": area.place_site(rng),
            }
            enterprises.append(enterprise)
    return enterprises


def _unique(seen: set[str], draw: Callable[[], str]) -> str:
    for _ in range(_MAX_TRIES):
        value = draw()
        if value not in seen:
            seen.add(value)
            return value
    raise RuntimeError("could not draw a unique value; the name lists are too short")


def _credit_code(rng: random.Random, adcode: str) -> str:
    base = len(CHARSET)
    if rng.random() < 0.8:
        # Codes issued since 2015 carry an organisation body starting "MA".
        prefix = CHARSET.index("M") * base**7 + CHARSET.index("A") * base**6
        serial = prefix + rng.randrange(base**6)
    else:
        # Older units kept their all-digit GB 11714 organisation code.
        serial = sum(rng.randrange(10) * base**i for i in range(8))
    return make_credit_code(adcode, serial)


def _company_name(rng: random.Random, words: tuple[str, ...]) -> str:
    qualifier = rng.choice(QUALIFIERS)
    return f"上海{rng.choice(TRADE_NAMES)}{qualifier}{rng.choice(words)}{rng.choice(COMPANY_FORMS)}"


def _address(rng: random.Random, adcode: str) -> str:
    road = f"{rng.choice(ROAD_STEMS)}{rng.choice(ROAD_KINDS)}"
    return f"上海市{DISTRICT_NAMES.get(adcode, '')}{road}{rng.randint(1, 3999)}号"


def _permit_number(rng: random.Random, credit_code: str, permit_class: str) -> str:
    serial = rng.choices((1, 2, 3), weights=(85, 12, 3))[0]
    return f"{credit_code}{serial:03d}{'W' if permit_class == 'registration' else 'P'}"


def _positive_list(rng: random.Random, permit_class: str) -> dict:
    if permit_class == "registration" or rng.random() >= POSITIVE_LIST_SHARE:
        return {"positive_list": False, "positive_list_from": None, "positive_list_until": None}
    start = POSITIVE_LIST_FIRST + timedelta(days=rng.randrange(POSITIVE_LIST_DAYS))
    return {
        "positive_list": True,
        "positive_list_from": start.isoformat(),
        "positive_list_until": positive_list_last_day(start).isoformat(),
    }


def _contacts(rng: random.Random) -> list[dict]:
    roles = ["环保负责人", *rng.sample(ROLES[1:], k=rng.choice((0, 0, 1)))]
    return [
        {
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_CHARS, k=rng.choice((1, 2)))),
            "role": role,
            "phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        }
        for role in roles
    ]


class _DistrictArea:
    """A district in a local UTM projection, shrunk by the margin, for placing sites."""

    def __init__(self, geom: BaseGeometry) -> None:
        lon = geom.centroid.x
        zone = int((lon + 180) // 6) + 1
        epsg = (32600 if geom.centroid.y >= 0 else 32700) + zone
        self._to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
        self._to_wgs84 = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
        self._district = geom
        shrunk = _project(geom, self._to_metric).buffer(-DISTRICT_MARGIN_M)
        if shrunk.is_empty:
            raise ValueError("district is too small to hold a demo site")
        shapely.prepare(shrunk)
        self._inner = shrunk
        self._bounds = shrunk.bounds
        self._placed: list[Polygon] = []

    def place_site(self, rng: random.Random) -> dict:
        """Return a GeoJSON Polygon inside the shrunk district and clear of earlier sites."""
        minx, miny, maxx, maxy = self._bounds
        for _ in range(_MAX_TRIES):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not shapely.contains_xy(self._inner, x, y):
                continue
            site = _site_at(rng, x, y)
            if not site.is_valid or not self._inner.contains(site):
                continue
            if any(site.intersects(other) for other in self._placed):
                continue
            rounded = _project(site, self._to_wgs84, decimals=COORD_DECIMALS)
            rounded = shapely.orient_polygons(rounded, exterior_cw=False)
            # Re-check the rounded shape: that is what gets stored and shown.
            if not (rounded.is_valid and self._district.contains(rounded)):
                continue
            if not self._inner.contains(_project(rounded, self._to_metric)):
                continue
            if not SITE_MIN_M2 <= geodesic_area_m2(rounded) <= SITE_MAX_M2:
                continue
            self._placed.append(site)
            ring = [[lon, lat] for lon, lat in rounded.exterior.coords]
            return {"type": "Polygon", "coordinates": [ring]}
        raise RuntimeError("could not place a site inside the district")


def _site_at(rng: random.Random, x: float, y: float) -> Polygon:
    # Log-uniform areas: most sites are small workshops, a few are large plants.
    area = math.exp(rng.uniform(math.log(2_500.0), math.log(70_000.0)))
    aspect = rng.uniform(1.0, 2.5)
    half_w, half_h = math.sqrt(area * aspect) / 2, math.sqrt(area / aspect) / 2
    corners = [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]
    if rng.random() < 0.5:
        jitter = 0.15 * min(half_w, half_h)
        corners = [
            (cx + rng.uniform(-jitter, jitter), cy + rng.uniform(-jitter, jitter))
            for cx, cy in corners
        ]
    angle = rng.uniform(0.0, math.pi)
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    return Polygon(
        [(x + cx * cos_a - cy * sin_a, y + cx * sin_a + cy * cos_a) for cx, cy in corners]
    )


def _project(
    geom: BaseGeometry, transformer: Transformer, decimals: int | None = None
) -> BaseGeometry:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        out = np.column_stack([x, y])
        return out if decimals is None else np.round(out, decimals)

    return shapely.transform(geom, apply)
