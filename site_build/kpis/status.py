"""A KPI's status in words and as an icon, the same on every page, in the PDF and in the digest."""

from __future__ import annotations

from site_build.i18n import N_, _

#: status -> its word, a message id (``status_text`` says it in the build's language)
STATUS_TEXT = {"on-track": N_("On track"), "watch": N_("Watch"), "alert": N_("Alert"), "no-data": N_("No data")}
#: message ids too: a question mark is full-width in Chinese text
STATUS_ICON = {"on-track": "✔", "watch": "⚠", "alert": "✖", "no-data": N_("?")}
#: a breach: a KPI that needs action
BREACH = ("watch", "alert")


def status_text(status: str | None) -> str:
    """``status`` in words, in the build's language; a status this module does not know is shown as it is."""
    if status is None:
        return "—"
    return _(STATUS_TEXT[status]) if status in STATUS_TEXT else status


def status_words(status: str | None) -> str:
    """Icon and word together, as text: "✖ 告警"."""
    if status not in STATUS_TEXT:
        return status_text(status)
    return f"{_(STATUS_ICON[status])} {status_text(status)}"
