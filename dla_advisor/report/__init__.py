"""Renderers: turn analysis results (plain data) into text, JSON and other formats. No analysis here."""
