"""The program settings form: one field per config key, validated by ``matcher.config``.

The form turns its text into the same mapping a TOML file parses to and hands it to
``config_errors`` and ``config_from_mapping``, so the web and the TOML config accept and
refuse the same values; every bad field is marked at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, SubmitField

from matcher import (
    CRITERIA_HELP,
    DEFAULT_WEIGHTS,
    OBJECTIVES,
    SETTINGS,
    ConfigError,
    ProgramConfig,
    Setting,
    config_errors,
    config_from_mapping,
    config_to_mapping,
)

_INTEGER = re.compile(r"[+-]?\d+")
SEPARATOR = "__"


def field_name(key: str) -> str:
    """Form field name of a dotted config key.

    >>> field_name("weights.expertise.goals")
    'weights__expertise__goals'
    """
    return key.replace(".", SEPARATOR)


def _shown(value: Any) -> str:
    if value is None or value is False:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _default_text(value: Any) -> str:
    """A default as the form shows it: numbers plainly, switches as on/off.

    >>> _default_text(True), _default_text(None), _default_text(12.0)
    ('on', 'off', '12')
    """
    if value is True:
        return "on"
    return _shown(value) or "off"


def _setting_field(setting: Setting) -> Field:
    label = f"{setting.key.replace('_', ' ').capitalize()} ({setting.key})"
    description = f"{setting.help}. Default: {_default_text(setting.default)}."
    if setting.kind is bool:
        return BooleanField(label, description=description)
    if setting.key == "objective":
        return SelectField(label, choices=list(OBJECTIVES), description=description)
    return StringField(label, description=description, render_kw={"inputmode": "decimal"})


def _number(text: str) -> int | float | str:
    """Read a number as TOML would: ``2`` is an integer, ``2.5`` a float; other text is
    returned as it is, for ``config_errors`` to refuse with the key's own message.

    >>> _number(" 2 "), _number("2.5"), _number("abc")
    (2, 2.5, 'abc')
    """
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


#: Config keys the settings form has no field for (the Questions page edits the
#: questions; the outside-organization types come from a TOML file): saving keeps them.
KEPT_KEYS = ("questions", "question_rules", "outside_organization_types")

#: The config key the priority switch (:attr:`SettingsForm.priority`) turns on and off.
PRIORITY_KEY = "priority_bonus"


class SettingsForm(FlaskForm):
    """Base of the generated settings form (see :func:`settings_form`)."""

    priority = BooleanField(
        "Priority to people unmatched last cohort",
        description=(
            "Their requests are filled first among equally good matchings, by the points of "
            "the priority bonus below. Off: no bonus. Default: on."
        ),
    )
    submit = SubmitField("Save settings")

    def setting_fields(self) -> list[Field]:
        """Fields of the top-level settings, in the order of ``SETTINGS``; the priority
        switch just before the priority bonus."""
        fields = []
        for setting in SETTINGS:
            if setting.key == PRIORITY_KEY:
                fields.append(self.priority)
            fields.append(self[field_name(setting.key)])
        return fields

    def weight_fields(self) -> dict[str, list[Field]]:
        """Weight fields grouped by mentor type."""
        return {
            t.value: [self[field_name(f"weights.{t.value}.{c}")] for c in criteria]
            for t, criteria in DEFAULT_WEIGHTS.items()
        }

    def to_mapping(self) -> dict[str, Any]:
        """Return the config mapping the fields describe; blank numbers take defaults."""
        data: dict[str, Any] = {}
        for setting in SETTINGS:
            value = self[field_name(setting.key)].data
            if setting.kind in (int, float):
                if value and value.strip():
                    data[setting.key] = _number(value)
            else:
                data[setting.key] = value
        weights: dict[str, dict[str, Any]] = {}
        for mentor_type, criteria in DEFAULT_WEIGHTS.items():
            for criterion in criteria:
                key = f"weights.{mentor_type.value}.{criterion}"
                text = self[field_name(key)].data or ""
                if text.strip():
                    weights.setdefault(mentor_type.value, {})[criterion] = _number(text)
        data["weights"] = weights
        if not self.priority.data:
            data[PRIORITY_KEY] = 0
        elif data.get(PRIORITY_KEY) == 0:  # switched on again without points: the default
            del data[PRIORITY_KEY]
        return data

    def validated_config(self, stored: Mapping[str, Any]) -> ProgramConfig | None:
        """The config of the fields with the :data:`KEPT_KEYS` of the ``stored`` config,
        or None after marking every field that is wrong."""
        kept = {key: stored[key] for key in KEPT_KEYS if key in stored}
        mapping = {**self.to_mapping(), **kept}
        errors = config_errors(mapping)
        for error in errors:
            self._mark(error)
        return None if errors else config_from_mapping(mapping)

    def _mark(self, exc: ConfigError) -> None:
        """Show ``exc`` at its field, unless the form's own check already marked it."""
        message = str(exc).split(": ", 1)[-1]
        name = field_name(exc.key)
        if name not in self._fields:  # a whole weights table: mark its first criterion
            name = next(n for n in self._fields if n.startswith(name + SEPARATOR))
        if not self[name].errors:
            self[name].errors = [message]


def settings_form(stored: dict[str, Any]) -> SettingsForm:
    """Build the settings form, pre-filled from a stored ``config_to_mapping`` dict."""
    fields: dict[str, Field] = {field_name(s.key): _setting_field(s) for s in SETTINGS}
    for mentor_type, criteria in DEFAULT_WEIGHTS.items():
        for criterion, weight in criteria.items():
            help_text = f"{CRITERIA_HELP[criterion]}. Default: {weight:g}."
            fields[field_name(f"weights.{mentor_type.value}.{criterion}")] = StringField(
                criterion.replace("_", " "),
                description=help_text,
                render_kw={"inputmode": "decimal"},
            )
    form_class = type("ProgramSettingsForm", (SettingsForm,), fields)
    current = config_to_mapping(config_from_mapping(stored))
    data: dict[str, Any] = {
        field_name(s.key): current[s.key] if s.kind in (bool, str) else _shown(current[s.key])
        for s in SETTINGS
    }
    for mentor_type, weights in current["weights"].items():
        for criterion, weight in weights.items():
            data[field_name(f"weights.{mentor_type}.{criterion}")] = _shown(weight)
    data["priority"] = current[PRIORITY_KEY] > 0
    data[field_name(PRIORITY_KEY)] = _shown(current[PRIORITY_KEY] or "")
    return form_class(data=data)
