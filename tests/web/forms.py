"""Read an HTML form as a browser would submit it, for round-trip tests."""

from __future__ import annotations

from html.parser import HTMLParser


class FormValues(HTMLParser):
    """The name/value pairs a browser sends for each POST form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._values: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect inputs, selected options and text areas of POST forms."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._values = []
            self.forms.append(self._values)
        if self._values is None:
            return
        if tag == "input" and "name" in a and a.get("type") != "submit":
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._values.append((a["name"], a.get("value", "y" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None and "selected" in a:
            self._values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_endtag(self, tag: str) -> None:
        """Close selects, text areas and forms."""
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._values is not None:
            self._values.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._values = None

    def handle_data(self, data: str) -> None:
        """Text of a text area."""
        if self._textarea is not None:
            self._text.append(data)


def form_values(html: str) -> list[tuple[str, str]]:
    """What the biggest POST form of ``html`` sends when submitted unchanged."""
    parser = FormValues()
    parser.feed(html)
    return max(parser.forms, key=len)
