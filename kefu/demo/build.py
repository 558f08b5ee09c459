"""``kefu demo``: build the bilingual demo company (idempotent) and, with ``--size large``,
grow it to 1,000,000 tickets with bulk inserts for benchmarks."""

from __future__ import annotations

import json
import random
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Branch, Team, User
from kefu.customers.models import (
    ContactPoint,
    Customer,
    CustomerEvent,
    Household,
    Organisation,
    PreferenceNote,
    Tag,
    Tier,
)
from kefu.tickets.models import Category, Message, Ticket, TicketEvent

from . import data

DEMO_PASSWORD = "kefu-demo-2026"
SMALL_TICKETS = 3000
LARGE_TICKETS = 1_000_000
BULK_LOAD_MIN = 100_000  # grow_tickets sets indexes aside for loads at least this big


def build_demo(*, size: str = "small", seed: int = 20261123) -> list[str]:
    lines = []
    if Branch.objects.filter(code=data.BRANCHES[0][0]).exists():
        lines.append("demo company already loaded (nothing changed)")
    else:
        _build_small(random.Random(seed))
        lines.append(f"demo company {data.COMPANY[0]} {data.COMPANY[1]} loaded: "
                     f"{Customer.objects.count()} customers, {Ticket.objects.count()} tickets")
        from kefu.workflow.demo import build_workflow_demo

        lines += build_workflow_demo()
    from .surveys import build_survey_demo

    lines += build_survey_demo(seed=seed + 5)
    from kefu.knowledge.demo_articles import load_demo_articles

    loaded = load_demo_articles(actor=User.objects.get(username="admin"))
    lines.append(f"knowledge base: {loaded['articles']} articles added ({loaded['total']} published)")
    from kefu.proactive.demo import build_proactive_demo
    lines += build_proactive_demo(seed=seed + 6)
    if size == "large":
        added = grow_tickets(LARGE_TICKETS, random.Random(seed + 1))
        lines.append(f"large demo: added {added} tickets ({Ticket.objects.count()} in all)")
    lines += _index_for_search()
    lines.append(f"demo sign-in: admin / agent / agent.en / manager / auditor, password {DEMO_PASSWORD}")
    return lines


def _index_for_search() -> list[str]:
    """Tickets and customers searchable at once (the worker's periodic indexer would take
    a few minutes to get through them): the bulk re-index, once — a second ``kefu demo``
    finds them indexed and changes nothing."""
    from kefu.knowledge.models import SearchDocument
    from kefu.knowledge.search.bulk import reindex

    if SearchDocument.objects.filter(kind="ticket").exists():
        return []
    tickets, customers = reindex("ticket"), reindex("customer")
    return [f"search: {tickets} tickets and {customers} customers indexed"]


@transaction.atomic
def _build_small(rng: random.Random) -> None:
    tiers = {code: Tier.objects.create(code=code, name=zh, name_en=en, rank=rank, color=color)
             for code, zh, en, rank, color in data.TIERS}
    branches = {code: Branch.objects.create(code=code, name=zh, name_en=en)
                for code, zh, en in data.BRANCHES}
    teams = {code: Team.objects.create(code=code, name=zh, name_en=en,
                                       branch=branches.get(branch) if branch else None)
             for code, zh, en, branch in data.TEAMS}
    categories: dict[str, Category] = {}
    for code, parent, zh, en in data.CATEGORIES:
        categories[code] = Category.objects.create(code=code, name=zh, name_en=en,
                                                   parent=categories.get(parent))
    password = make_password(DEMO_PASSWORD)
    staff = {}
    for username, name, role, language, branch, team_codes in data.STAFF:
        user = User.objects.create(username=username, display_name=name, role=role,
                                   language=language, password=password,
                                   branch=branches.get(branch) if branch else None,
                                   is_superuser=role == "admin", is_staff=role == "admin",
                                   email=f"{username}@freshhome.example")
        user.teams.set([teams[c] for c in team_codes])
        staff[username] = user
    customers = _customers(rng, tiers, branches)
    portal_user = User.objects.create(username="customer", display_name=customers[0].name,
                                      role="customer", password=password,
                                      language=customers[0].language)
    customers[0].user = portal_user
    customers[0].save(update_fields=["user"])
    _tickets(rng, customers, staff, teams, categories, SMALL_TICKETS)


def _customers(rng, tiers, branches) -> list[Customer]:
    orgs = [Organisation.objects.create(name=zh, name_en=en) for zh, en in data.ORGANISATIONS]
    tags = [Tag.objects.get_or_create(name=n)[0] for n in
            ["老客户", "新客户", "定期配送", "有婴儿", "独居老人", "企业客户", "price-sensitive"]]
    branch_list = list(branches.values())
    out = []
    for i in range(300):
        english = rng.random() < 0.15
        if english:
            first, last = rng.choice(data.ENGLISH_FIRST), rng.choice(data.ENGLISH_LAST)
            name = name_en = f"{first} {last}"
            language = "en"
        else:
            (s_zh, s_en), (g_zh, g_en) = rng.choice(data.SURNAMES), rng.choice(data.GIVEN)
            name, name_en, language = s_zh + g_zh, f"{s_en} {g_en}", "zh-hans"
        roll = rng.random()
        tier = tiers["vip"] if roll < 0.08 else tiers["gold"] if roll < 0.28 else tiers["regular"]
        household = None
        if rng.random() < 0.6:
            household = Household.objects.create(name=f"{name}家" if not english else f"{name}'s household",
                                                 size=rng.choice([1, 2, 3, 3, 4, 5]))
        customer = Customer.objects.create(
            name=name, name_en=name_en, language=language, tier=tier,
            email=f"customer{i + 1}@mail.example", phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            wechat_id=f"wx_{name_en.split()[0].lower()}{i + 1}" if rng.random() < 0.7 else "",
            address=f"{rng.choice(branch_list).name}附近 {rng.randint(1, 300)} 号",
            branch=rng.choice(branch_list), household=household,
            organisation=rng.choice(orgs) if rng.random() < 0.05 else None,
            consent_email=rng.random() < 0.8, consent_sms=rng.random() < 0.6,
            consent_phone=rng.random() < 0.7, consent_marketing=rng.random() < 0.3,
            external_ref=f"FH{100000 + i}")
        customer.tags.set(rng.sample(tags, rng.choice([0, 0, 1, 1, 2])))
        for category, zh, en in rng.sample(data.PREFERENCES, rng.choice([0, 1, 1, 2, 3])):
            PreferenceNote.objects.create(customer=customer, category=category,
                                          text=en if english else zh,
                                          important=category in ("food", "health"))
        if rng.random() < 0.2:
            ContactPoint.objects.create(customer=customer, kind="phone", label="office",
                                        value=f"021-{rng.randint(50_000_000, 69_999_999)}")
        CustomerEvent.objects.create(customer=customer, kind="created")
        out.append(customer)
    return out


def _ticket_status(age_days: float, rng) -> str:
    if age_days > 20:
        return rng.choice(["closed"] * 8 + ["resolved"])
    if age_days > 5:
        return rng.choice(["closed", "resolved", "resolved", "open", "pending_customer"])
    return rng.choice(["new", "new", "open", "open", "pending_customer", "pending_internal",
                       "resolved"])


def _tickets(rng, customers, staff, teams, categories, count) -> None:
    now = timezone.now()
    agents = [u for u in staff.values() if u.role in ("agent", "supervisor")]
    team_members: dict[int, list[User]] = {}
    for user in agents:
        for team in user.teams.all():
            team_members.setdefault(team.pk, []).append(user)
    team_list = [t for t in teams.values() if t.pk in team_members]
    tickets, plans = [], []
    for _i in range(count):
        customer = rng.choice(customers)
        english = customer.language == "en"
        cat, ttype, s_zh, s_en, d_zh, d_en = rng.choice(data.TICKET_TEXTS)
        age = rng.random() ** 1.6 * 180
        created = now - timedelta(days=age, minutes=rng.randint(0, 600))
        status = _ticket_status(age, rng)
        team = (teams["complaints"] if ttype == "complaint" and rng.random() < 0.5
                else teams["backoffice"] if ttype == "internal"
                else rng.choice(team_list))
        owner = None if status == "new" else rng.choice(team_members[team.pk])
        assignee = owner
        if owner and rng.random() < 0.15:
            assignee = rng.choice(team_members[teams["backoffice"].pk])
        priority = rng.choice(["low", "normal", "normal", "normal", "high", "urgent"])
        if ttype == "complaint" and priority == "low":
            priority = "normal"
        # Every moment stays in the past and in order: created ≤ responded ≤ resolved ≤ closed.
        room = (now - created) / 4
        responded = (created + min(timedelta(minutes=rng.randint(3, 240)), room)
                     if owner else None)
        resolved = (min(created + timedelta(hours=rng.randint(1, 96)), (responded or created) + room)
                    if status in ("resolved", "closed") else None)
        updated = resolved or responded or created
        tickets.append(Ticket(
            subject=s_en if english else s_zh, description=d_en if english else d_zh,
            customer=customer, type=ttype, priority=priority, status=status,
            channel=rng.choice(["phone", "phone", "email", "portal", "counter", "chat"]),
            category=categories.get(cat) if cat else None, team=team,
            branch_id=team.branch_id or customer.branch_id, owner=owner, assignee=assignee,
            created_by=owner, created_at=created, updated_at=updated,
            first_response_at=responded, resolved_at=resolved,
            closed_at=(min(resolved + timedelta(days=7), resolved + room)
                       if status == "closed" and resolved else None)))
        plans.append((english, owner, assignee, status, created, responded, resolved))
    Ticket.objects.bulk_create(tickets, batch_size=500)
    messages, events = [], []
    for ticket, (english, owner, assignee, status, created, responded, resolved) in zip(
            tickets, plans, strict=True):
        pick = 1 if english else 0
        events.append(TicketEvent(ticket=ticket, actor=None, kind="created", created_at=created,
                                  data={"status": "new", "channel": ticket.channel}))
        if owner:
            events.append(TicketEvent(ticket=ticket, actor=owner, kind="taken", created_at=responded,
                                      data={"owner": owner.pk}))
            reply = rng.choice(data.AGENT_REPLIES)[pick]
            if ticket.type == "praise":
                reply = data.AGENT_REPLIES[4][pick]
            messages.append(Message(ticket=ticket, visibility="public", body=reply, author=owner,
                                    channel=ticket.channel, created_at=responded))
            events.append(TicketEvent(ticket=ticket, actor=owner, kind="status", created_at=responded,
                                      data={"old": "new", "new": "open"}))
            if assignee and assignee != owner:
                events.append(TicketEvent(ticket=ticket, actor=owner, kind="assigned",
                                          created_at=responded, data={"assignee": assignee.pk}))
            if rng.random() < 0.3:
                messages.append(Message(ticket=ticket, visibility="internal", author=owner,
                                        body=rng.choice(data.INTERNAL_NOTES)[pick],
                                        created_at=responded + min(timedelta(minutes=5), (now - responded) / 3)))
            if rng.random() < 0.4:
                messages.append(Message(ticket=ticket, visibility="public", from_customer=True,
                                        body=rng.choice(data.CUSTOMER_REPLIES)[pick],
                                        channel=ticket.channel,
                                        created_at=responded + min(timedelta(minutes=30), (now - responded) / 2)))
        if resolved:
            events.append(TicketEvent(ticket=ticket, actor=owner, kind="status", created_at=resolved,
                                      data={"old": "open", "new": "resolved"}))
        if status == "closed" and ticket.closed_at:
            events.append(TicketEvent(ticket=ticket, actor=None, kind="status",
                                      created_at=ticket.closed_at,
                                      data={"old": "resolved", "new": "closed", "reason": "auto_close",
                                            "days": 7}))
        elif status in ("pending_customer", "pending_internal"):
            events.append(TicketEvent(ticket=ticket, actor=owner, kind="status",
                                      created_at=responded, data={"old": "open", "new": status}))
    # Message.created_at is auto_now_add, which bulk_create overwrites: restore it after.
    backdated = [m.created_at for m in messages]
    Message.objects.bulk_create(messages, batch_size=500)
    for m, at in zip(messages, backdated, strict=True):
        m.created_at = at
    TicketEvent.objects.bulk_create(events, batch_size=500)
    _fix_message_times(messages)


def _fix_message_times(messages) -> None:
    """Message.created_at is auto_now_add; the demo backdates it in one pass per batch."""
    from django.db import connection

    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET created_at = %s WHERE id = %s",
                           [(m.created_at, m.pk) for m in messages])


def grow_tickets(target: int, rng: random.Random, chunk: int = 50_000) -> int:
    """Add minimal tickets (one 'created' event each) until there are ``target`` tickets.

    A million ORM objects are too slow, so this writes raw rows: COPY on PostgreSQL,
    ``executemany`` on SQLite. Ids are reserved before writing (the sequence on PostgreSQL,
    MAX(id) under SQLite's write lock), so each event names its ticket without reading the
    rows back. Every ticket outside ``new`` has an owner (the DB constraint checks it too).
    """
    from tqdm import tqdm

    have = Ticket.objects.count()
    missing = max(0, target - have)
    if not missing:
        return 0
    customers = list(Customer.objects.values_list("pk", "branch_id"))
    teams = list(Team.objects.values_list("pk", "branch_id"))
    members: dict[int, list[int]] = {}
    for team_id, user_id in User.teams.through.objects.values_list("team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
    teams = [t for t in teams if t[0] in members]
    categories = list(Category.objects.values_list("pk", flat=True))
    texts = [(ttype, s_zh, d_zh) for _cat, ttype, s_zh, _s_en, d_zh, _d_en in data.TICKET_TEXTS]
    priorities = ["low", "normal", "normal", "high", "urgent"]
    now = timezone.now()
    added = 0
    tables = [Ticket._meta.db_table, TicketEvent._meta.db_table]
    # A big load goes in one transaction with the secondary indexes (and, on PostgreSQL, the
    # foreign keys) dropped and rebuilt at the end: several times faster than maintaining
    # 18 indexes row by row, and a failure rolls everything back, indexes included.
    bulk = missing >= BULK_LOAD_MIN
    with transaction.atomic(), (_indexes_set_aside(tables) if bulk else nullcontext()), \
            tqdm(total=missing, unit="ticket", desc="large demo") as bar:
        while added < missing:
            n = min(chunk, missing - added)
            tickets, events = [], []
            for _i in range(n):
                customer_id, customer_branch = rng.choice(customers)
                team_id, team_branch = rng.choice(teams)
                ttype, subject, description = rng.choice(texts)
                age = rng.random() * 365
                created = now - timedelta(days=age)
                status = _ticket_status(age, rng)
                owner = None if status == "new" else rng.choice(members[team_id])
                # nothing happens in the future: recent tickets are answered/resolved by now
                responded = (min(created + timedelta(minutes=rng.randint(3, 240)), now)
                             if owner else None)
                resolved = (min(created + timedelta(hours=6), now)
                            if status in ("resolved", "closed") else None)
                priority = rng.choice(priorities) if ttype != "complaint" else "high"
                tickets.append([subject, description, customer_id, ttype, priority, status,
                                "phone", rng.choice(categories), team_id,
                                team_branch or customer_branch, owner, owner, created,
                                resolved or responded or created, responded, resolved,
                                resolved if status == "closed" else None])
                events.append(["created", json.dumps({"status": status, "channel": "phone"}),
                               created])
            _insert_grown(tickets, events)
            added += n
            bar.update(n)
        if bulk:
            bar.write("large demo: rebuilding indexes and foreign keys…")
    _analyse(Ticket._meta.db_table, TicketEvent._meta.db_table)
    return added


_GROWN_TICKET_FIELDS = ["subject", "description", "customer", "type", "priority", "status",
                        "channel", "category", "team", "branch", "owner", "assignee",
                        "created_at", "updated_at", "first_response_at", "resolved_at",
                        "closed_at"]
_GROWN_EVENT_FIELDS = ["ticket", "kind", "data", "created_at"]


def _insert_grown(tickets: list[list], events: list[list]) -> None:
    """Write one chunk of grown tickets and their 'created' events (inside a transaction)."""
    from django.db import connection

    ticket_ids = _reserve_ids(Ticket, len(tickets))
    event_ids = _reserve_ids(TicketEvent, len(events))
    ticket_rows = [[tid, *row] for tid, row in zip(ticket_ids, tickets, strict=True)]
    event_rows = [[eid, tid, *row] for eid, tid, row in zip(event_ids, ticket_ids, events,
                                                            strict=True)]
    for model, fields, rows in ((Ticket, _GROWN_TICKET_FIELDS, ticket_rows),
                                (TicketEvent, _GROWN_EVENT_FIELDS, event_rows)):
        table = model._meta.db_table
        columns = ["id", *(model._meta.get_field(f).column for f in fields)]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            rows = [[adapt(v) if hasattr(v, "tzinfo") else v for v in row] for row in rows]
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                   f"({', '.join(['%s'] * len(columns))})", rows)


@contextmanager
def _indexes_set_aside(tables: list[str]):
    """Drop the tables' secondary indexes (and PostgreSQL foreign keys), then recreate them
    from their own definitions. Call inside a transaction: DDL is transactional in both
    PostgreSQL and SQLite, so an interrupted load leaves the schema as it was."""
    from django.db import connection

    with connection.cursor() as cursor:
        saved: list[str] = []
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
                               "JOIN pg_class c ON c.oid = x.indexrelid "
                               "WHERE x.indrelid = %s::regclass "
                               "AND NOT x.indisprimary AND NOT x.indisunique", [table])
                indexes = cursor.fetchall()
                cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                               "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
                for name, definition in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                    saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            else:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                               "AND tbl_name = %s AND sql IS NOT NULL", [table])
                indexes = cursor.fetchall()
            for name, definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
                saved.insert(0, definition)  # indexes first, then the foreign keys
        yield
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in saved:
            cursor.execute(statement)


def _reserve_ids(model, n: int) -> list[int]:
    """``n`` fresh primary keys for ``model``, taken inside the current transaction."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so MAX(id) is stable.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
        return list(range(start + 1, start + n + 1))


def _analyse(*tables: str) -> None:
    """Fresh planner statistics after a bulk load (and, on PostgreSQL, the visibility map)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            # A full ANALYZE (a few seconds): sampled statistics (analysis_limit) mislead
            # the planner into sorting a whole team's tickets for the inbox.
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
