"""Shortening of long names (engine layers, ONNX nodes) in messages and reports: one rule, so a name
reads the same in an attribution note and in the table that shows it."""


def ellipsize(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, its end replaced by "..." where it was longer."""
    return text if len(text) <= limit else text[:max(limit - 3, 0)] + "..."
