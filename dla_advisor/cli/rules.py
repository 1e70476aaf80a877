"""List the advice rules, or explain one: why it matters, a bad/good example, the fix, references.

Everything shown is rendered from the rule's entry in rules/advice/*.yaml (or a --rules folder).
"""

from __future__ import annotations

import json

import click

from ..errors import UsageError
from ..report import envelope
from ._common import output_option, write_report

_HEADER = envelope("rules", "1.1")


@click.command("rules", help=__doc__)
@click.argument("rule_id", required=False, metavar="[ID]")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Also load the rule files (*.yaml) in DIR; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
@output_option
def command(rule_id, rule_dirs, fmt, output) -> int:
    from ..advice import explain_rule, load_rules

    rules = load_rules(rule_dirs)
    if rule_id:
        rule = rules.get(rule_id)
        if rule is None:
            raise UsageError(f"no rule '{rule_id}'", "Run `dla-advisor rules` to list ids and names.")
        text = json.dumps({**_HEADER, "rule": dict(rule.entry)}, indent=2) if fmt == "json" else explain_rule(rule)
    elif fmt == "json":
        text = json.dumps({**_HEADER, "rules": [dict(r.entry) for r in rules]}, indent=2)
    else:
        width = max(len(r.name) for r in rules)
        lines = [f"{r.id}  {r.severity:<7}  {r.name:<{width}}  {r.title}" for r in rules]
        text = "\n".join(lines) + f"\n\n{len(rules)} rules. Explain one with `dla-advisor rules ID`.\n"
    write_report(text, output)
    return 0
