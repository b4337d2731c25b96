"""Errors of the engine layer (the gateway turns them into incidents or Chinese messages)."""

from __future__ import annotations


class EngineError(Exception):
    """The engine could not run a step; ``message`` is Chinese and names the element when known."""

    def __init__(self, message: str, element_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id


class DiagramError(EngineError):
    """A diagram cannot be parsed into an executable process; names the element (id and name) when known."""

    def __init__(self, message: str, element_id: str = "", element_name: str = "") -> None:
        super().__init__(message, element_id)
        self.element_name = element_name
