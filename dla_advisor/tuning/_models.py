"""Per-process caches of loaded networks and predicted layouts, shared by the search space and ``sim``.

A search evaluates thousands of plans built from a handful of distinct engine configurations, so each
(model, shapes, batch) is loaded once and each (model, BuildConfig, platform) predicted once.
"""

from __future__ import annotations

from pathlib import Path

from ..graph import load_network
from ..layout import BuildConfig


class ModelCatalog:
    """Loads networks and predicts layouts on first use and keeps them."""

    def __init__(self):
        self._networks: dict = {}
        self._layouts: dict = {}

    def network(self, path: str, config: BuildConfig | None = None):
        """The network of ``path`` at ``config``'s shapes and batch.

        Raises:
            ModelLoadError: the model cannot be read.
        """
        shapes = config.shapes if config else ()
        batch = config.batch if config else None
        key = (str(Path(path).resolve()), shapes, batch)
        if key not in self._networks:
            self._networks[key] = load_network(path, shapes=dict(shapes) or None, batch=batch)
        return self._networks[key]

    def layout(self, path: str, config: BuildConfig, platform):
        """``layout.predict`` for ``path`` built with ``config`` on ``platform``."""
        from ..layout import predict  # the predictor is the layout package's heaviest part

        key = (str(Path(path).resolve()), config, getattr(platform, "id", str(platform)))
        if key not in self._layouts:
            self._layouts[key] = predict(self.network(path, config), platform, config)
        return self._layouts[key]
