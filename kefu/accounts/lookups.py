"""Teams and people by id for labelling rows already scoped (list pages, timelines),
from the per-process reference cache (see kefu.core.refcache)."""

from __future__ import annotations

from kefu.core.refcache import RowCache, TableCache

#: What a row needs to name a person: ``user.name`` and ``user.username``.
PERSON_FIELDS = ("username", "display_name", "first_name", "last_name")


def _load_teams() -> dict:
    from .models import Team

    return {t.pk: t for t in Team.objects.order_by()}


def _load_people(ids: set) -> dict:
    from .models import User

    return {u.pk: u for u in User.objects.filter(pk__in=ids).only(*PERSON_FIELDS)}


TEAMS = TableCache(_load_teams)
PEOPLE = RowCache(_load_people)


def teams_by_id(wanted=()) -> dict:
    """Every team by id; reloaded first if one of ``wanted`` is not known yet."""
    return TEAMS.covering(wanted)


def people_by_id(ids) -> dict:
    return PEOPLE.get_many(ids)
