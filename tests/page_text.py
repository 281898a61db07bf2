"""Page text for "nothing identifying is shown" checks: the random tokens a page carries removed.

A CSRF token is 64 random letters and digits, so a short family name from the factories ("Wu")
turns up in one now and then; checks that a name is absent look at the page without them.
"""

import re

_TOKEN_VALUE = re.compile(r'(name="csrfmiddlewaretoken"\s+value=")[^"]*(")')


def without_tokens(html: str) -> str:
    """The page with the value of every CSRF token input emptied."""
    return _TOKEN_VALUE.sub(r"\1\2", html)


def shows_figure(text: str, figure: str) -> bool:
    """The figure (a score such as "0.912") stands in the text on its own, not as digits inside a
    UID or an accession number: "1.2.826.0.1.3680043.8.498.834" holds "98.8" but shows no 98.8."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d)", text) is not None
