"""Package list only; everything else is in pyproject.toml.

``rules/`` (platform, advice, device and calibration data) sits at the top of the repository and is
installed as the data package ``dla_advisor.rules`` so that a non-editable install finds it through
``importlib.resources``.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["dla_advisor", "dla_advisor.*"]) + ["dla_advisor.rules"],
    package_dir={"dla_advisor.rules": "rules"},
    package_data={
        "dla_advisor.rules": ["*.yaml", "*/*.yaml", "*/*.json"],
        # The HTML report inlines these (vendored cytoscape.js + dagre, with their licences).
        "dla_advisor.report": ["schemas/*.json", "html_assets/*.js", "html_assets/*.css", "html_assets/*.md",
                               "html_assets/licenses/*.LICENSE"],
    },
)
