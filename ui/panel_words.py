"""The panel's own words: labels for offers, reply styles and backends (msgids, translated
where they are shown)."""

from __future__ import annotations

from assistant.i18n import N_
from assistant.models import CompensationKind

KIND_LABELS = {
    CompensationKind.refund: N_("Full refund"),
    CompensationKind.partial_refund: N_("Partial refund"),
    CompensationKind.credit: N_("Account credit"), CompensationKind.discount: N_("Discount"),
    CompensationKind.replacement: N_("Replacement"), CompensationKind.repair: N_("Repair"),
    CompensationKind.upgrade: N_("Upgrade"), CompensationKind.gift: N_("Gift"),
    CompensationKind.expedite: N_("Expedited delivery"),
    CompensationKind.waive_fee: N_("Fee waived"),
    CompensationKind.none: N_("No compensation"),
}
STYLE_LABELS = {"short": N_("Short"), "direct": N_("Direct"), "reworded": N_("Reworded")}
BACKEND_LABELS = {"rules": N_("rules"), "openai": N_("openai"), "local": N_("local")}
