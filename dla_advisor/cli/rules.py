"""List the advice rules, or explain one: why it matters, a bad/good example, the fix, references.

Everything shown is rendered from the rule's entry in rules/advice/*.yaml (or a --rules folder).
"""

from __future__ import annotations

import click

from ..errors import UsageError
from ..report import render
from ._common import format_option, output_option, write_report


@click.command("rules", help=__doc__)
@click.argument("rule_id", required=False, metavar="[ID]")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Also load the rule files (*.yaml) in DIR; repeatable.")
@format_option("rules")
@output_option
def command(rule_id, rule_dirs, fmt, output) -> int:
    from ..advice import load_rules

    rules = load_rules(rule_dirs)
    rule = None
    if rule_id:
        rule = rules.get(rule_id)
        if rule is None:
            raise UsageError(f"no rule '{rule_id}'", "Run `dla-advisor rules` to list ids and names.")
    write_report(render("rules", fmt, rules, rule=rule), output)
    return 0
