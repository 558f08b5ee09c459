"""``kefu proactive …``: the model commands (``fit``, ``predict``: files from elsewhere, no
database; ``cli_models.py``) and the data and care commands (``cli_care.py``)."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("proactive", help="consumption, churn and value models; care lists")
    psub = p.add_subparsers(dest="proactive_command", required=True)
    from .cli_models import add_model_commands

    add_model_commands(psub)
    from .cli_care import add_care_commands

    add_care_commands(psub)
