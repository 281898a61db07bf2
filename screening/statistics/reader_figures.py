"""Each reader's volume, recall rate, PPV, accuracy and agreement, under a stable pseudonym.

Auditors and coordinators see reader codes (`R-` and six characters of an HMAC of the user's id
under the site's secret key: stable, not reversible without the key, never the username); admins,
who manage the users, also see the names.
"""

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from screening.statistics.accuracy_figures import (
    HUMAN_ROLES,
    PERCENT,
    AgreementFigure,
    DecisionFigure,
    decision_figure,
    kappa_figure,
    share_figure,
)
from screening.statistics.accuracy_rows import EpisodeRow
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion

SEES_NAMES = "auth.view_user"  # the administrator's right to manage users


def reader_code(user_id: int) -> str:
    """A reader's stable pseudonym: the same user always gets the same code."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"reader:{user_id}".encode(), hashlib.sha256)
    return f"R-{digest.hexdigest()[:6].upper()}"


def sees_reader_names(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(SEES_NAMES))


@dataclass(frozen=True)
class ReaderFigure:
    code: str
    name: str  # "" unless the viewer may see names
    reads: int | str
    arbitrations: int | str
    recall_rate: DisclosedProportion
    accuracy: DecisionFigure
    kappa_with_ai: AgreementFigure
    discordance: AgreementFigure  # with the other reader of the same episodes


def reader_figures(rows: Sequence[EpisodeRow], *, viewer: Any) -> list[ReaderFigure]:
    """One figure per reader who signed a first or second read in the selection, by code."""
    by_reader: dict[int, list[tuple[EpisodeRow, Any]]] = defaultdict(list)
    arbitrations: dict[int, int] = defaultdict(int)
    for row in rows:
        for read in row.reads:
            if read.role in HUMAN_ROLES:
                by_reader[read.reader_id].append((row, read))
            elif read.role == "arbitration":
                arbitrations[read.reader_id] += 1
    names = {}
    if sees_reader_names(viewer):
        users = get_user_model().objects.filter(pk__in=list(by_reader))
        names = {user.pk: user.get_full_name() or user.get_username() for user in users}
    figures = []
    for reader_id, reads in by_reader.items():
        clinical = [(row, read) for row, read in reads if read.recall is not None]
        recalls = sum(1 for _, read in clinical if read.recall)
        with_ai = [
            (bool(read.recall), bool(row.ai_recall)) for row, read in clinical if row.ai_recall is not None
        ]
        others = [
            (bool(read.recall), bool(other.recall))
            for row, read in clinical
            for other in row.reads
            if other.role in HUMAN_ROLES and other.reader_id != reader_id and other.recall is not None
        ]
        code = reader_code(reader_id)
        figures.append(
            ReaderFigure(
                code=code,
                name=names.get(reader_id, ""),
                reads=disclosed(len(reads)),
                arbitrations=disclosed(arbitrations[reader_id]),
                recall_rate=disclosed(proportion(recalls, len(clinical), per=PERCENT)),
                accuracy=decision_figure(
                    code, code, [(row.cancer, bool(read.recall)) for row, read in clinical]
                ),
                kappa_with_ai=kappa_figure("kappa_reader_ai", "Kappa with the AI", *_split(with_ai)),
                discordance=share_figure(
                    "discordance",
                    "Discordance with the other reader",
                    sum(1 for a, b in others if a != b),
                    len(others),
                ),
            )
        )
    return sorted(figures, key=lambda figure: figure.code)


def _split(pairs: list[tuple[bool, bool]]) -> tuple[list[bool], list[bool]]:
    return [a for a, _ in pairs], [b for _, b in pairs]
