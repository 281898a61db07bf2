"""The worklist's table rows, written in one pass rather than by the template engine.

A page has 50 rows of eight cells: through the template engine they cost about 5 ms of CPU a page,
a quarter of the whole request, and a tag per row with `format_html` still about 2.7 ms (half of it
`reverse` and the escaping of every value). `worklist_rows` writes them all with one format string,
escaping only the values that come from people (names, identifiers, campaign names), and reverses
the reading view's URL once a page. The row's markup lives here only; `templates/reading/worklist.html`
calls `{% worklist_rows %}`.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from screening.reading.models import TriageBand
from screening.reading.worklist_selectors import WorklistEntry

register = template.Library()

UNAIDED = '<span class="muted">read unaided</span>'
ROW = (
    '<tr class="worklist-row{overdue}" data-slot="{pk}"{band_attribute}>'
    "<td>{band}</td><td>{score}</td>"
    '<td>{family_name}, {given_name} <span class="muted">({identifier})</span></td>'
    "<td>{campaign}</td><td>{role}</td>"
    "<td>{waiting}</td><td>{priors}</td>"
    '<td><a class="button" href="{url_start}{pk}{url_end}">{action}</a></td></tr>'
)
# In the template each row stands on its own line of the table body, indented.
ROW_LINE = "\n  {}\n  "
_URL_STAND_IN = 918_273_645  # a slot id, reversed once a page and replaced by each row's


@register.simple_tag
def worklist_rows(entries: Sequence[WorklistEntry], standard_days: int) -> SafeString:
    """The page's rows, one a line (see `worklist_row`)."""
    url, point = _read_url(), _decimal_point()
    rows = "".join(
        ROW_LINE.format(worklist_row(entry, standard_days, url=url, point=point)) for entry in entries
    )
    return mark_safe(rows)  # noqa: S308 (every value escaped by worklist_row)


def _read_url() -> tuple[str, str]:
    """The reading view's URL around a slot id, escaped: (before, after)."""
    start, _, end = reverse("reading:read", args=[_URL_STAND_IN]).partition(str(_URL_STAND_IN))
    return escape(start), escape(end)


def _decimal_point() -> str:
    return escape(str(formats.get_format("DECIMAL_SEPARATOR")))


_THOUSANDTH = Decimal("0.001")


def ai_score_shown(score: float, point: str = ".") -> str:
    """The score to three places as the template filter `floatformat:3` writes a score (rounded half
    up from its shortest decimal form), at a tenth of its cost (`floatformat` localises each number)."""
    return str(Decimal(repr(score)).quantize(_THOUSANDTH, ROUND_HALF_UP)).replace(".", point)


def worklist_row(
    entry: WorklistEntry, standard_days: int, *, url: tuple[str, str] | None = None, point: str | None = None
) -> SafeString:
    """One read: AI band and score (only where the campaign shows the AI), participant, campaign,
    role, waiting time against the result standard, priors, and the link that opens it."""
    read, band = entry.slot, entry.band
    url_start, url_end = url or _read_url()
    point = point or _decimal_point()
    return mark_safe(  # noqa: S308 (every value escaped)
        ROW.format(
            overdue=" overdue" if entry.overdue else "",
            pk=int(read.pk),
            band_attribute=f' data-band="{escape(band)}"' if entry.ai_shown else "",
            band=_ai_band(band) if entry.ai_shown else UNAIDED,
            score=ai_score_shown(read.ai_score, point)
            if entry.ai_shown and read.ai_score is not None
            else "-",
            family_name=escape(read.family_name.upper()),
            given_name=escape(read.given_name),
            identifier=escape(read.patient_identifier),
            campaign=escape(read.campaign_name),
            role=escape(read.role_label),
            waiting=_waiting(entry, standard_days),
            priors="yes" if read.priors_available else "-",
            url_start=url_start,
            url_end=url_end,
            action="Continue" if entry.claimed_by_me else "Read",
        )
    )


def _ai_band(band: str) -> str:
    label = "no AI result" if band == TriageBand.NONE else band.capitalize()
    return f'<span class="badge band-{escape(band)}">{escape(label)}</span>'


def _waiting(entry: WorklistEntry, standard_days: int) -> str:
    days = int(entry.days_waiting)
    if entry.overdue:
        return (
            f'<span class="badge bad" title="Past the {int(standard_days)}-day result standard">'
            f"{days} days · overdue</span>"
        )
    return f"{days} day{'' if days == 1 else 's'}"
