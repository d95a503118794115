"""User-supplied text as a plotly label: escaped for the terminal rules and for HTML.

Plotly draws labels as a small subset of HTML (`<b>`, `<br>`); a facility called
`<b>x</b>` must show its name, not bold text, so every user string goes through here.
"""

from __future__ import annotations

import html

from symopt.text import printable


def label(text: object) -> str:
    """`text` safe inside a plotly label or hover text."""
    return html.escape(printable(text), quote=False)
