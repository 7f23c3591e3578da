"""The finance report's own words, per language it is written in (SPEC §7): the campaign's
first language, and the others that have words here. Codes are told in words by
flows.shared.words (CLASSES_IN, ALERTS_IN)."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "language": "English",
        "title": "Reconciliation",
        "as_of": "as of",
        "run": "run",
        "amounts_in": "amounts in",
        "available": "Available reserve",
        "committed": "Committed",
        "committed_parts": "offers {offers} + held back {held}",
        "paid": "Paid (net of returns)",
        "outstanding": "Outstanding",
        "headroom": "Headroom",
        "utilisation": "Utilisation",
        "no_alerts": "No alerts: headroom positive, payments within committed offers and the "
        "reserve.",
        "error": "Error",
        "warning": "Warning",
        "other_currencies": "Paid to references not ours or in another currency, per currency, "
        "never added to the {currency} figures above:",
        "payouts_n": "payouts",
        "exceptions": "Needs a person",
        "exceptions_count": "{n} cases need a person ({rows} rows: an instruction and each of "
        "its payouts have one)",
        "exceptions_none": "Nothing needs a person: every payment is matched, or outstanding "
        "within the {days}-day payment terms (see Aging).",
        "exceptions_cut": "This page shows the first {shown} of {total} exceptions, the most "
        "urgent first; all of them are in",
        "exceptions_all": "All of them are also in",
        "and_workbook": "and reconciliation.xlsx.",
        "exceptions_terms": "Outstanding within the {days}-day payment terms is not an "
        "exception; it is in Aging.",
        "burn_down": "Reserve burn-down",
        "burn_down_end": "On {day}: available {available}; committed (offers + held back) "
        "{committed}; paid {paid}: the figures on the cards above.",
        "by_tier_chart": "Paid vs committed by tier",
        "classes": "Instructions and payouts by class",
        "classes_note": "Instructed {instructed} = paid {paid} + outstanding {outstanding} + "
        "failed, not reissued {failed}. Reissued in this run: {reissued}.",
        "By tier": "By tier",
        "By region": "By region",
        "Aging": "Aging (outstanding instructions, days since instructed)",
        "aging_past_terms": "{n} of them are past the {days}-day payment terms: they are "
        "among the exceptions above.",
        "region_aliases": "Regions written another way are counted under one name: {pairs}.",
        "payout_files": "Payout files",
        "payout_files_none": "No payout file was read for this day.",
        "payout_files_note": "Every booked transaction of a loaded statement is one of ours "
        "(loaded, or loaded before from another file), quarantined, or not ours; a rejected "
        "statement loads nothing. Accounts and balances are in payout_files.csv and the "
        "workbook.",
        "not_paid": "not paid",
        "per_currency": "per currency, below the cards",
        "add_up": "add up",
        "do_not_add_up": "do not add up",
    },
    "zh-CN": {
        "language": "中文",
        "title": "对账报告",
        "as_of": "截至",
        "run": "运行",
        "amounts_in": "金额单位",
        "available": "可用储备金",
        "committed": "已承诺",
        "committed_parts": "补偿 {offers} + 审核预留 {held}",
        "paid": "已付款（扣除退票）",
        "outstanding": "待付款",
        "headroom": "余量",
        "utilisation": "使用率",
        "no_alerts": "无警报：余量为正，付款未超过已承诺补偿和储备金。",
        "error": "错误",
        "warning": "警告",
        "other_currencies": "付给非我方付款编号或以其他币种付款的金额，按币种列示，从不计入上方 "
        "{currency} 数字：",
        "payouts_n": "笔付款",
        "exceptions": "需人工处理",
        "exceptions_count": "{n} 个案件需人工处理（共 {rows} 行：指令及其每笔付款各占一行）",
        "exceptions_none": "没有需人工处理的事项：所有付款均已匹配，或在 {days} 天付款期限内"
        "待付（见账龄）。",
        "exceptions_cut": "本页显示 {total} 项异常中最紧急的前 {shown} 项；全部异常见",
        "exceptions_all": "全部异常也见",
        "and_workbook": "和 reconciliation.xlsx。",
        "exceptions_terms": "在 {days} 天付款期限内待付的不算异常，列在账龄中。",
        "burn_down": "储备金消耗",
        "burn_down_end": "{day}：可用 {available}；已承诺（补偿 + 审核预留）{committed}；"
        "已付款 {paid}：即上方卡片的数字。",
        "by_tier_chart": "各补偿档位已付款与已承诺",
        "classes": "付款指令和付款结果分类",
        "classes_note": "指令金额 {instructed} = 已付款 {paid} + 待付款 {outstanding} + "
        "失败未重发 {failed}。本次重发：{reissued}。",
        "By tier": "按补偿档位",
        "By region": "按地区",
        "Aging": "账龄（待付款指令，自发出指令起的天数）",
        "aging_past_terms": "其中 {n} 项已超过 {days} 天付款期限，列在上方异常中。",
        "region_aliases": "同一地区的不同写法合并计算：{pairs}。",
        "payout_files": "付款结果文件",
        "payout_files_none": "当天未读取付款结果文件。",
        "payout_files_note": "已载入对账单的每笔记账交易均有归属：我们的付款（已载入，或之前"
        "从其他文件载入）、隔离，或不属于我们；被拒收的对账单不载入任何内容。账户和余额见 "
        "payout_files.csv 和工作簿。",
        "not_paid": "未付款",
        "per_currency": "按币种列示，见卡片下方",
        "add_up": "相符",
        "do_not_add_up": "不符",
    },
}

COLUMNS: dict[str, dict[str, str]] = {
    "en": {
        "what": "what needs doing",
        "class": "class",
        "payment_ref": "payment ref",
        "provider_txn_id": "provider txn",
        "claim_id": "claim",
        "payee": "payee",
        "instructed": "instructed",
        "paid": "paid",
        "not_paid": "failed, returned or reversed: not paid",
        "currency": "currency",
        "day": "day",
        "age_days": "days open",
        "return_reason": "return reason",
        "item": "item",
        "count": "count",
        "tier": "tier",
        "region": "region",
        "offers": "offers",
        "committed": "committed",
        "outstanding": "outstanding",
        "failed_not_reissued": "failed, not reissued",
        "aging": "days",
        "instructions": "instructions",
        "file": "file",
        "format": "format",
        "statement_id": "statement",
        "entries": "entries",
        "payouts_loaded": "ours loaded",
        "quarantined": "quarantined",
        "not_ours": "not ours",
        "balance_ok": "balances",
        "status": "status",
    },
    "zh-CN": {
        "what": "需要处理的事项",
        "class": "分类",
        "payment_ref": "付款编号",
        "provider_txn_id": "渠道流水号",
        "claim_id": "索赔编号",
        "payee": "收款人",
        "instructed": "指令金额",
        "paid": "已付款",
        "not_paid": "失败、退票或冲正：未付款",
        "currency": "币种",
        "day": "日期",
        "age_days": "待付天数",
        "return_reason": "退票原因",
        "item": "项目",
        "count": "数量",
        "tier": "档位",
        "region": "地区",
        "offers": "补偿数",
        "committed": "已承诺",
        "outstanding": "待付款",
        "failed_not_reissued": "失败未重发",
        "aging": "天数",
        "instructions": "指令数",
        "file": "文件",
        "format": "格式",
        "statement_id": "对账单",
        "entries": "条目",
        "payouts_loaded": "已载入",
        "quarantined": "已隔离",
        "not_ours": "非我方",
        "balance_ok": "余额",
        "status": "状态",
    },
}
ITEMS: dict[str, dict[str, str]] = {
    "en": {
        "instruction": "instruction",
        "payout": "payout",
        "all": "all {item}s",
        "colon": ": ",
        "tag": "({item})",
    },
    "zh-CN": {
        "instruction": "指令",
        "payout": "付款结果",
        "all": "全部{item}",
        "colon": "：",
        "tag": "（{item}）",
    },
}


def report_languages(languages: list[str]) -> list[str]:
    """The languages the report is written in: the campaign's that have words here, its first
    one first (English when none has)."""
    return [lang for lang in languages if lang in TEXT] or ["en"]


def page_words(language: str) -> dict[str, Any]:
    return {"t": TEXT[language], "col": COLUMNS[language], "items": ITEMS[language]}
