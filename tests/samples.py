"""The sample messages and manifests in tests/events/: the contract both sides of every queue are held to."""

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())
