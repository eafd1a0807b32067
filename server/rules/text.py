"""Explanations in Chinese and English: message templates, citations, money and percentages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from server.rules.model import BP, Lang, Text

LAW_NAMES_EN: Mapping[str, str] = {
    "处罚法": "Administrative Penalty Law",
    "环保法": "Environmental Protection Law",
    "大气法": "Air Pollution Law",
    "水法": "Water Pollution Law",
    "固废法": "Solid Waste Law",
    "噪声法": "Noise Pollution Law",
    "环评法": "EIA Law",
    "条例": "Construction Project Regulation",
    "许可条例": "Discharge Permit Regulation",
    "办法": "MEE Order 30",
    "按日连续处罚办法": "MEE Order 28",
}
# The full titles a document served on a party cites (LAW.md's abbreviations).
LAW_TITLES_ZH: Mapping[str, str] = {
    "处罚法": "中华人民共和国行政处罚法",
    "环保法": "中华人民共和国环境保护法",
    "大气法": "中华人民共和国大气污染防治法",
    "水法": "中华人民共和国水污染防治法",
    "固废法": "中华人民共和国固体废物污染环境防治法",
    "噪声法": "中华人民共和国噪声污染防治法",
    "环评法": "中华人民共和国环境影响评价法",
    "条例": "建设项目环境保护管理条例",
    "许可条例": "排污许可管理条例",
    "办法": "生态环境行政处罚办法",
    "按日连续处罚办法": "环境保护主管部门实施按日连续处罚办法",
}
# An abbreviated citation inside a text: the abbreviation stands alone (not the tail of a
# longer one: 条例 in 许可条例), longest first; with the spaces that set it apart (Chinese
# text runs on without them).
_CITED = re.compile(r" ?(?<!\w)(" + "|".join(sorted(LAW_TITLES_ZH, key=len, reverse=True))
                    + r") 第(\d+)条(?:第(\d+)款)?(?:第(\d+)项)?(?: (?=\S))?")
# A law named by its full title outside 《》 (the daily penalty's order, as DAILY_BASIS holds it).
_BARE_TITLE = re.compile("(" + "|".join(sorted(map(re.escape, LAW_TITLES_ZH.values()),
                                               key=len, reverse=True)) + ")")
_DIGITS = "零一二三四五六七八九"
_ARTICLE = re.compile(r"(\S+) 第(\d+)条(?:第(\d+)款)?(?:第(\d+)项)?")

CONDITIONS: Mapping[str, Text] = {
    "first_offence": Text("首次被发现", "first offence"),
    "corrected_in_time": Text("及时改正", "corrected in time"),
    "no_harmful_consequence": Text("没有造成危害后果", "no harmful consequence"),
    "stopped_and_restored": Text("责令后停止建设并恢复原状", "stopped and restored once ordered"),
    "corrected_on_spot": Text("当场整改", "corrected on the spot"),
    "waiver_item": Text("具体违法情形（清单事项）", "the behaviour (list item)"),
}
FACTS: Mapping[str, Text] = {
    "not_corrected_by_deadline": Text("逾期不改正", "not corrected by the deadline"),
    "refused_correction": Text("拒不改正", "refused to correct"),
}
DAY_KINDS: Mapping[str, Text] = {"working": Text("工作日", "working days"),
                                 "calendar": Text("日", "calendar days")}
PARTIES: Mapping[str, Text] = {"organisation": Text("单位", "organisation"),
                               "individual": Text("个人", "individual")}

MESSAGES: Mapping[str, tuple[str, str]] = {
    # penalty trace
    "rule_sets": ("适用规则版本：目录{catalogue}，裁量方法{discretion}",
                  "rule versions: catalogue {catalogue}, discretion method {discretion}"),
    "provision": ("同一违法行为违反多个规定（{codes}），按罚款数额高的 {code} 处罚",
                  "one act breaches several provisions ({codes}); the one with the higher fine "
                  "applies: {code}"),
    "range": ("法定罚款幅度 {min_fen} 至 {max_fen}", "statutory range {min_fen} to {max_fen}"),
    "range_percent": ("按总投资额 {base_fen} 的 {low_bp} 至 {high_bp}：{min_fen} 至 {max_fen}",
                      "{low_bp} to {high_bp} of the total investment {base_fen}: "
                      "{min_fen} to {max_fen}"),
    "range_multiple": ("按处置费用 {base_fen}（不足 {floor_fen} 的按 {floor_fen} 计）的 {low_x} 至 "
                       "{high_x}：{min_fen} 至 {max_fen}",
                       "{low_x} to {high_x} the disposal cost {base_fen} (counted as at least "
                       "{floor_fen}): {min_fen} to {max_fen}"),
    "range_multiple_fine": ("按处置费用 {base_fen} 的 {low_x} 至 {high_x}，罚款不低于 {floor_fen}："
                            "{min_fen} 至 {max_fen}",
                            "{low_x} to {high_x} the disposal cost {base_fen}, fine at least "
                            "{floor_fen}: {min_fen} to {max_fen}"),
    "range_per_instance": ("每次 {min_fen} 至 {max_fen}", "{min_fen} to {max_fen} per instance"),
    "escalation": ("{fact}，适用加重幅度 {min_fen} 至 {max_fen}",
                   "{fact}: higher range {min_fen} to {max_fen}"),
    "missing_base": ("缺少计算基数 {what}，无法确定法定幅度", "base {what} missing: no range"),
    "no_rule": ("{code} 所依据的 {article} 自{since}起适用，违法行为发生于{occurred}；此前的规定"
                "不在规则文件中", "{article} (code {code}) applies from {since}; the act "
                "happened on {occurred}; the earlier rule is not in the rule files"),
    "no_catalogue": ("{date}没有生效的违法行为目录", "no violation catalogue in force on {date}"),
    "no_table": ("裁量方法中没有适用于 {code} 的因素表，按法定最低额",
                 "the discretion method has no factor table for {code}: statutory minimum"),
    "starting_weight": ("起始权重 {weight_bp}", "starting weight {weight_bp}"),
    "factor": ("{name}：等级 {grade}，权重 +{weight_bp}", "{name}: grade {grade}, +{weight_bp}"),
    "factor_unknown": ("{name}：无法确定，按最低等级 1 计，权重 +{weight_bp}",
                       "{name}: not established, lowest grade 1, +{weight_bp}"),
    "repeat": ("违法行为前{years}年内同类违法 {count} 次（计 {counted} 次），权重 +{weight_bp}",
               "{count} earlier violation(s) of the kind within {years} year(s) before the act "
               "({counted} counted): +{weight_bp}"),
    "share": ("合计权重 {total_bp}（上限 {cap_bp}）× 法定最高额 {max_fen} = {raw_fen}",
              "total weight {total_bp} (cap {cap_bp}) × statutory maximum {max_fen} = {raw_fen}"),
    "floor": ("低于法定最低额，按最低额 {min_fen}", "below the statutory minimum: {min_fen}"),
    "mitigation": ("具有应当从轻或者减轻处罚的情形（{grounds}），在法定幅度内从轻 {reduce_bp}："
                   "{before_fen} → {after_fen}；如需减轻至最低额以下，须依法另行决定",
                   "mandatory mitigation ({grounds}): lightened by {reduce_bp} within the range: "
                   "{before_fen} → {after_fen}; going below the minimum needs a separate decision"),
    "rounding": ("按规则取整至 {step_fen}：{before_fen} → {after_fen}",
                 "rounded to {step_fen} as the rules say: {before_fen} → {after_fen}"),
    "instances": ("每次 {unit_fen} × {instances} 次 = {amount_fen}",
                  "{unit_fen} per instance × {instances} = {amount_fen}"),
    "lex_mitior": ("行为时规则{old_ref}：{old_fen}；决定时规则{new_ref}：{new_fen}；"
                   "从旧兼从轻，适用{chosen_ref}",
                   "rule at the act {old_ref}: {old_fen}; rule at the decision {new_ref}: "
                   "{new_fen}; the lighter applies: {chosen_ref}"),
    "person": ("对直接负责的主管人员和其他责任人员：幅度 {min_fen} 至 {max_fen}，"
               "按同一权重 {amount_fen}",
               "responsible persons: range {min_fen} to {max_fen}, same weight: {amount_fen}"),
    "summary_yes": ("罚款 {amount_fen} 未超过{party}简易程序上限 {limit_fen}，可以当场作出处罚决定",
                    "fine {amount_fen} within the summary limit {limit_fen} for an {party}: "
                    "may be decided on the spot"),
    "summary_no": ("罚款 {amount_fen} 超过{party}简易程序上限 {limit_fen}，适用普通程序",
                   "fine {amount_fen} above the summary limit {limit_fen} for an {party}: "
                   "ordinary procedure"),
    "summary_unknown": ("决定日期早于{since}，简易程序限额不在规则文件中",
                        "decision before {since}: the summary-procedure limits are not in the "
                        "rule files"),
    "daily": ("拒不改正的，可以按日连续处罚（{article}）",
              "daily continuous penalty possible if correction is refused ({article})"),
    # waiver
    "no_list": ("规则文件中没有{date}生效的免罚清单，不适用清单免罚",
                "the rule files hold no waiver list in force on {date}: no list waiver"),
    "no_item": ("《{title}》中没有涵盖 {code} 的事项", "no item of {list} covers {code}"),
    "item_mismatch": ("《{title}》第{item}项不涵盖 {code}", "item {item} of {list} does not cover "
                      "{code}"),
    "waived": ("符合《{title}》第{item}项的全部条件，不予行政处罚；应当对当事人进行教育",
               "all conditions of item {item} of {list} are met: no penalty; the party must be "
               "educated"),
    "pending": ("如在{deadline}（含当日）之前改正（{days}{kind}），符合《{title}》第{item}项，"
                "不予行政处罚",
                "if corrected by {deadline} ({days} {kind}), item {item} of {list} applies: no "
                "penalty"),
    "not_eligible": ("不符合《{title}》第{item}项：{unmet}", "item {item} of {list} not met: "
                     "{unmet}"),
    "undetermined": ("《{title}》第{item}项尚待查明：{unknown}", "item {item} of {list} still "
                     "depends on: {unknown}"),
    "ambiguous": ("《{title}》第{items}项均涵盖 {code} 但结论不同，请确定具体违法情形",
                  "items {items} of {list} cover {code} with different outcomes; name the "
                  "behaviour (waiver_item)"),
    "minor": ("违法行为轻微并及时改正，没有造成危害后果，不予行政处罚；应当对当事人进行教育",
              "minor violation corrected in time without harmful consequence: no penalty; the "
              "party must be educated"),
    "may_waive": ("初次违法且危害后果轻微并及时改正，可以不予行政处罚（由执法机关裁量）",
                  "first offence with minor harm, corrected in time: the authority may decide "
                  "not to penalise"),
    "no_fault": ("当事人有证据足以证明没有主观过错，不予行政处罚（法律、行政法规另有规定的除外）",
                 "the party proved it had no fault: no penalty (unless a law or administrative "
                 "regulation provides otherwise)"),
    "list_lex_mitior": ("决定时生效的《{title}》对当事人更有利，予以适用",
                        "the list in force at the decision ({new}) is more favourable and applies"),
    # decision, limitation and warnings
    "time_barred": ("违法行为自{runs_from}起{years}年内（至{ends_on}）未被发现，{discovered}"
                    "才发现，不再给予行政处罚", "not discovered within {years} years of "
                    "{runs_from} (until {ends_on}); discovered on {discovered}: no penalty"),
    "in_time": ("自{runs_from}起{years}年内（至{ends_on}）发现，未超过追责时效",
                "discovered within {years} years of {runs_from} (until {ends_on})"),
    "still_running": ("违法行为处于继续状态，追责时效尚未起算",
                      "the act is continuing: the limitation period has not started"),
    "fine": ("依 {basis} 罚款 {amount_fen}", "fine {amount_fen} under {basis}"),
    "fine_open": ("依 {basis} 处罚，罚款数额尚不能确定", "penalty under {basis}; amount not yet "
                  "determinable"),
    "calendar_unknown": ("{years} 年的节假日安排未知，仅按周末计算工作日",
                         "holiday table for {years} unknown; weekends only"),
    "no_decision_date": ("未给出决定日期，按违法行为发生时的规则计算",
                         "no decision date: the rules in force at the act apply"),
    "deadline_passed": ("决定日期{decided}已过改正期限{deadline}，请补录改正情况",
                        "the decision date {decided} is after the correction deadline "
                        "{deadline}; record whether it was corrected"),
    "correction_conflict": ("录入的“及时改正”与改正日期{corrected_on}（期限{deadline}）不一致，"
                            "以改正日期为准", "corrected_in_time contradicts the correction date "
                            "{corrected_on} (deadline {deadline}); the date prevails"),
    "factor_unused": ("因素 {key} 不属于{table}，未采用", "factor {key} is not in table "
                      "{table}; ignored"),
    "decision_rule_missing": ("决定时目录中没有 {code}；不据此认定为不再违法",
                              "the catalogue at the decision lacks {code}; not read as "
                              "no longer illegal"),
    "incomparable": ("{code} 的罚款无法确定，未参与“罚款数额高”的比较",
                     "{code} has no determinable fine and was left out of the comparison"),
    "unverified_item": ("《{title}》第{item}项为工作草案，未经官方文本核实",
                        "item {item} of {list} is a working draft, not checked against the "
                        "official text"),
    "unverified_window": ("改正期限 {days}{kind} 未经核实", "correction window {days} {kind} is "
                          "unverified"),
    "unverified_weights": ("{table}的权重未经核实", "weights of discretion table {table} "
                           "are unverified"),
    "unverified_rounding": ("取整规则未经核实", "the rounding rule is unverified"),
    "unverified_repeat": ("累犯加重权重未经核实", "the repeat-offence weight is unverified"),
    "unverified_mitigation": ("从轻比例未经核实", "the mitigation share is unverified"),
    "unverified_entry": ("目录中 {code} 的数据未经核实", "catalogue data of {code} is unverified"),
    "unverified_rule_set": ("规则集{ref}未经核实", "rule set {ref} is unverified"),
    "code_absent": ("{ref}中没有 {code}", "{ref} has no entry {code}"),
    "unverified_since": ("{code} 的适用起始日{since}未经核实", "the start date {since} of {code} "
                         "is unverified"),
}


@lru_cache(maxsize=1024)
def cite(article: str, lang: Lang) -> str:
    """An article reference ("大气法 第108条第1项") in `lang`."""
    if lang == "zh":
        return article

    def english(m: re.Match[str]) -> str:
        """One article reference in English."""
        law, art, para, item = m.groups()
        out = f"{LAW_NAMES_EN.get(law, law)} Art. {art}"
        return out + (f" para. {para}" if para else "") + (f" item {item}" if item else "")

    return _ARTICLE.sub(english, article)


def chinese_number(n: int) -> str:
    """A whole number below 10,000 in Chinese numerals, as articles are numbered: 108 ->
    一百零八, 110 -> 一百一十, 12 -> 十二."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[digit] + name
        zero = False
    out = out or _DIGITS[0]
    return out[1:] if out.startswith("一十") else out


def cite_in_full(text: str) -> str:
    """`text` with each abbreviated citation ("大气法 第108条第1项") as a document served on a
    party cites it: 《中华人民共和国大气污染防治法》第一百零八条第一项; a law already named by
    its full title gets its 《》."""

    def full(m: re.Match[str]) -> str:
        """One citation in full."""
        law, art, para, item = m.groups()
        return (f"《{LAW_TITLES_ZH[law]}》第{chinese_number(int(art))}条"
                + (f"第{chinese_number(int(para))}款" if para else "")
                + (f"第{chinese_number(int(item))}项" if item else ""))

    def titled(m: re.Match[str]) -> str:
        """A full title in 《》, unless it is inside another title's."""
        before = m.string[:m.start()]
        inside = before.count("《") > before.count("》")
        return m.group(1) if inside else f"《{m.group(1)}》"

    return _BARE_TITLE.sub(titled, _CITED.sub(full, text))


def name_rule_sets(text: str, names: Mapping[str, str], lang: Lang) -> str:
    """`text` with each rule-set ref it holds (`id@version`, as texts stored before they named
    titles say) replaced by the name users read (`names`: ref -> name); Chinese runs on without
    the spaces that set the ref apart."""
    for ref in sorted(names, key=len, reverse=True):
        found = re.escape(ref) if lang == "en" else f" ?{re.escape(ref)} ?"
        text = re.sub(found, lambda _, ref=ref: names[ref], text)
    return text


def money(fen: int, lang: Lang) -> str:
    """Integer fen as yuan: "20,000元" or "CNY 20,000"."""
    yuan, rest = divmod(fen, 100)
    amount = f"{yuan:,}" + (f".{rest:02d}" if rest else "")
    return f"CNY {amount}" if lang == "en" else f"{amount}元"


def percent(bp: int) -> str:
    """Basis points as a percentage without floats: 1250 -> "12.5%"."""
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


def multiple(bp: int) -> str:
    """A multiple held in basis points as text: 30000 -> "3", 15000 -> "1.5"."""
    whole, rest = divmod(bp, BP)
    return str(whole) if not rest else f"{whole}.{rest:04d}".rstrip("0")


def _value(key: str, value: Any, lang: Lang) -> str:
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, tuple | list):
        sep = "、" if lang == "zh" else ", "
        return sep.join(_value(key, v, lang) for v in value)
    if isinstance(value, date):  # Chinese texts date as legal documents do: 2026年11月20日
        return value.isoformat() if lang == "en" else \
            f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, int) and not isinstance(value, bool):
        if key.endswith("_fen"):
            return money(value, lang)
        if key.endswith("_bp"):
            return percent(value)
        if key.endswith("_x"):
            return multiple(value) + ("倍" if lang == "zh" else "×")
    if isinstance(value, str):
        for table in (CONDITIONS, FACTS, DAY_KINDS, PARTIES):
            if key in ("unmet", "unknown", "fact", "kind", "party") and value in table:
                return table[value].get(lang)
        if key in ("article", "basis"):
            return cite(value, lang)
    return str(value)


def render(key: str, params: Mapping[str, Any], lang: Lang) -> str:
    """The message `key` in `lang`, with its parameters formatted."""
    try:  # typed: 1, 1.0 and True are one dict key but not one text
        return _render_again(key, tuple([(n, type(v), v) for n, v in params.items()]), lang)
    except TypeError:  # a parameter that cannot be a cache key (a list)
        return _render(key, params, lang)


@lru_cache(maxsize=4096)
def _render_again(key: str, params: tuple[tuple[str, type, Any], ...], lang: Lang) -> str:
    """render() of recurring messages (a code's decisions say mostly the same things)."""
    return _render(key, {name: value for name, _, value in params}, lang)


def _render(key: str, params: Mapping[str, Any], lang: Lang) -> str:
    template = MESSAGES[key][1 if lang == "en" else 0]
    return template.format(**{name: _value(name, v, lang) for name, v in params.items()})


def sentences(texts: list[str], lang: Lang) -> str:
    """Several statements as one text, each its own sentence rather than run together."""
    return ("。" if lang == "zh" else "; ").join(texts)
