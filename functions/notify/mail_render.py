"""Renders an email kind's three templates (subject, plain text, HTML) from a message's data."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "mail_templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    # HTML is escaped, so a user's "<script>" arrives as text. The plain-text body and the subject are not HTML:
    # escaping them would show "&lt;" to the reader; the subject is kept safe by the header checks instead.
    # Any template that is not .txt is escaped, so a new format fails safe.
    autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
    # A template naming a field the kind does not provide is a bug: fail loudly rather than send a blank.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, data: Mapping[str, object]) -> Rendered:
    def part(name: str) -> str:
        return _environment.get_template(f"{kind}/{name}").render(data)

    return Rendered(subject=part("subject.txt"), text=part("body.txt"), html=part("body.html"))
