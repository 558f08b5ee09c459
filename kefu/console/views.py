"""The agent console: server-rendered pages, enhanced with htmx (hx-boost, partial inbox)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db import connection, transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.access import user_teams
from kefu.accounts.lookups import PERSON_FIELDS, people_by_id, teams_by_id
from kefu.accounts.models import Role, Team, User
from kefu.accounts.services import login_attempt, user_set_language
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.middleware import LANGUAGE_COOKIE
from kefu.customers.access import customer_get_for, customers_for
from kefu.customers.models import PreferenceNote, Tier
from kefu.customers.selectors import customer_timeline
from kefu.customers.services import preference_add
from kefu.tickets import rules, selectors, services
from kefu.tickets.access import ticket_get_for, tickets_for
from kefu.tickets.models import (
    CHANNEL_CHOICES,
    PRIORITY_CHOICES,
    STATUS_CHOICES,
    TYPE_CHOICES,
    Attachment,
    Category,
)
from kefu.workflow.panels import ticket_panels

STAFF = {Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('console:login')}?next={request.get_full_path()}")
        if request.user.role not in STAFF:
            return render(request, "console/forbidden.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "console/not_found.html", status=404)
    return wrapper


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def home(request):
    return redirect("console:inbox")


def login_view(request):
    error = None
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("console:inbox")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("console:inbox")
    if request.method == "POST":
        try:
            user = login_attempt(request=request, username=request.POST.get("username", ""),
                                 password=request.POST.get("password", ""))
        except ApplicationError as exc:
            error = exc.message
        else:
            login(request, user)
            response = redirect(next_url)
            response.set_cookie(LANGUAGE_COOKIE, user.language, samesite="Lax",
                                max_age=365 * 86400)
            return response
    return render(request, "console/login.html", {"error": error, "next": next_url},
                  status=401 if error else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("console:login")


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    if language not in {code for code, _n in settings.LANGUAGES}:
        return HttpResponse(_("Unsupported language."), status=400)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    response = redirect(back)
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="Lax", max_age=365 * 86400)
    return response


def _inbox_filter(params) -> selectors.InboxFilter:
    def many(name):
        return [v for v in params.getlist(name) if v]

    def int_or_none(name):
        value = params.get(name)
        return int(value) if value and value.isdigit() else None

    return selectors.InboxFilter(
        status=many("status") or ([] if params.get("all") else ["active"]),
        type=many("type"), priority=many("priority"),
        owner=params.get("owner") or None, assignee=params.get("assignee") or None,
        team=int_or_none("team"), tier=params.get("tier") or None,
        q=params.get("q") or None, sort=params.get("sort") or "-updated_at")


@staff_required
def inbox_view(request):
    flt = _inbox_filter(request.GET)
    error = None
    try:
        rows, next_cursor = selectors.inbox(request.user, flt, cursor=request.GET.get("cursor"),
                                            limit=25)
    except ApplicationError as exc:
        rows, next_cursor, error = [], None, exc.message
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "rows": rows, "next_cursor": next_cursor, "flt": flt, "error": error,
        "query_string": params.urlencode(),
        "statuses": STATUS_CHOICES, "types": TYPE_CHOICES, "priorities": PRIORITY_CHOICES,
        "teams": sorted(teams_by_id().values(), key=lambda team: team.code), "tiers": Tier.objects.all(),
        "sorts": [("-updated_at", _("Recently updated")), ("updated_at", _("Least recently updated")),
                  ("-created_at", _("Newest")), ("created_at", _("Oldest"))],
    }
    template = ("console/_inbox_rows.html" if request.headers.get("HX-Target") == "inbox-rows"
                else "console/inbox.html")
    return render(request, template, context, status=400 if error else 200)


def _agents():
    return User.objects.filter(role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN], is_active=True)


def _colleagues_for(ticket, viewer) -> list[User]:
    """Whom the ticket can be handed to here: agents of its team and of the viewer's teams,
    plus its owner and assignee (other teams get it through the team choice)."""
    team_ids = {ticket.team_id} | {t.pk for t in user_teams(viewer)}
    people = (_agents().filter(Q(teams__in=team_ids) | Q(pk__in=[ticket.owner_id or 0,
                                                                  ticket.assignee_id or 0]))
              .distinct().order_by("username").only(*PERSON_FIELDS))
    return list(people)


def _names_in(timeline, agents) -> dict[int, str]:
    """Names for the people the timeline's events mention, in one query."""
    names = {a.pk: a.name for a in agents}
    wanted = set()
    for item in timeline:
        if item.event is not None:
            for key in ("assignee", "new", "owner"):
                value = (item.event.data or {}).get(key)
                if isinstance(value, int) and value not in names:
                    wanted.add(value)
    names.update({pk: person.name for pk, person in people_by_id(wanted).items()})
    return names


@staff_required
def ticket_view(request, ticket_id):
    ticket = ticket_get_for(request.user, ticket_id, with_customer_360=True)
    customer = ticket.customer
    timeline = selectors.ticket_timeline(ticket, request.user)
    agents = _colleagues_for(ticket, request.user)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "customer": customer,
        "preferences": list(PreferenceNote.objects.filter(customer=customer)),
        "recent_tickets": list(tickets_for(request.user).filter(customer=customer)
                               .exclude(pk=ticket.pk).defer("description", "description_html")
                               .order_by("-created_at")[:5]),
        "customer_tags": list(customer.tags.all()),
        "allowed_statuses": [(s, label) for s, label in STATUS_CHOICES
                             if rules.can_transition(ticket.status, s)],
        "agents": agents,
        "names": _names_in(timeline, agents),
        "teams": sorted(teams_by_id().values(), key=lambda team: team.code),
        "can_write": request.user.can_write and ticket.status != "closed",
        "can_transfer": request.user.role in (Role.SUPERVISOR, Role.ADMIN) and ticket.status != "closed",
        "tags": list(ticket.tags.all()),
        "types": TYPE_CHOICES, "priorities": PRIORITY_CHOICES,
        "categories": sorted(selectors.category_paths().items(), key=lambda kv: kv[1]),
        "panels": ticket_panels(request, ticket),
        "reply_draft": request.session.pop(_reply_draft_key(ticket.pk), ""),
    }
    return render(request, "console/ticket.html", context)


def _act(request, ticket_id, action):
    """Run a ticket action; errors become a message, and we go back to the ticket."""
    try:
        ticket = ticket_get_for(request.user, ticket_id)
        action(ticket)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    if not tickets_for(request.user).filter(pk=ticket_id).exists():
        # Handed over outside the actor's view: back to the inbox.
        messages.info(request, _("The ticket has been handed over and is no longer in your view."))
        return redirect("console:inbox")
    return redirect("console:ticket", ticket_id=ticket_id)


def _reply_draft_key(ticket_id) -> str:
    return f"kefu:reply-draft:{ticket_id}"


@require_POST
@staff_required
def ticket_reply_view(request, ticket_id):
    internal = request.POST.get("internal") == "1"

    def action(ticket):
        # One transaction: the files belong to the reply and go out with its e-mail (sent
        # once this commits); a refused file takes the reply back with it, as in the portal.
        stored = []
        try:
            with transaction.atomic():
                message = services.ticket_reply(ticket=ticket, actor=request.user,
                                                body=request.POST.get("body", ""),
                                                internal=internal)
                for upload in request.FILES.getlist("files"):
                    stored.append(services.attachment_add(ticket=ticket, actor=request.user,
                                                          upload=upload, internal=internal,
                                                          message=message))
        except Exception:
            for attachment in stored:  # their rows were rolled back
                attachment.file.storage.delete(attachment.file.name)
            # the agent's words come back in the reply box (the page is redirected to)
            request.session[_reply_draft_key(ticket_id)] = request.POST.get("body", "")[:100_000]
            raise
        messages.success(request, _("Internal note added.") if internal else _("Reply sent."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_status_view(request, ticket_id):
    def action(ticket):
        services.ticket_transition(ticket=ticket, actor=request.user,
                                   status=request.POST.get("status", ""),
                                   reason=request.POST.get("reason", ""))
        messages.success(request, _("Status changed."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_assign_view(request, ticket_id):
    def action(ticket):
        assignee = team = None
        if request.POST.get("assignee"):
            assignee = _agents().filter(pk=request.POST["assignee"]).first()
            if assignee is None:
                raise ApplicationError("invalid_assignee", _("Tickets can only be assigned to agents."))
        if request.POST.get("team"):
            team = Team.objects.filter(pk=request.POST["team"]).first()
        services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee, team=team)
        messages.success(request, _("Assignment saved."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_take_view(request, ticket_id):
    def action(ticket):
        services.ticket_take(ticket=ticket, actor=request.user)
        messages.success(request, _("You have taken this ticket."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_edit_view(request, ticket_id):
    def action(ticket):
        category = None
        if request.POST.get("category"):
            category = Category.objects.filter(pk=request.POST["category"]).first()
        tags = [t for t in request.POST.get("tags", "").replace("，", ",").split(",") if t.strip()]
        services.ticket_update(ticket=ticket, actor=request.user,
                               subject=request.POST.get("subject", ticket.subject),
                               type=request.POST.get("type", ticket.type),
                               priority=request.POST.get("priority", ticket.priority),
                               category=category, tags=tags)
        messages.success(request, _("Ticket updated."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_merge_view(request, ticket_id):
    def action(ticket):
        raw = request.POST.get("into", "").strip().lstrip("#")
        if not raw.isdigit():
            raise ApplicationError("invalid_ticket", _("Give the number of the ticket to merge into."))
        target = ticket_get_for(request.user, int(raw))
        services.ticket_merge(source=ticket, target=target, actor=request.user)
        messages.success(request, _("Merged into #%(id)s.") % {"id": target.pk})
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def ticket_owner_view(request, ticket_id):
    def action(ticket):
        new_owner = _agents().filter(pk=request.POST.get("owner") or 0).first()
        if new_owner is None:
            raise ApplicationError("invalid_owner", _("Only an agent can own a ticket."))
        services.ticket_transfer_ownership(ticket=ticket, actor=request.user, new_owner=new_owner,
                                           reason=request.POST.get("reason", ""))
        messages.success(request, _("Ownership transferred."))
    return _act(request, ticket_id, action)


@staff_required
def attachment_view(request, ticket_id, attachment_id):
    ticket = ticket_get_for(request.user, ticket_id)
    attachment = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    if attachment is None:
        raise NotFound(_("Attachment"), attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def ticket_new(request):
    customer = None
    if request.GET.get("customer") or request.POST.get("customer"):
        customer = customer_get_for(request.user, request.GET.get("customer") or request.POST.get("customer"))
    error = None
    if request.method == "POST":
        try:
            if customer is None:
                raise ApplicationError("required", _("%(field)s is required.") % {"field": _("Customer")})
            category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
            ticket, _created = services.ticket_create(
                actor=request.user, customer=customer, subject=request.POST.get("subject", ""),
                description=request.POST.get("description", ""),
                type=request.POST.get("type", "inquiry"),
                priority=request.POST.get("priority", "normal"),
                channel=request.POST.get("channel", "phone"), category=category)
            return redirect("console:ticket", ticket_id=ticket.pk)
        except ApplicationError as exc:
            error = exc.message
    return render(request, "console/ticket_new.html", {
        "customer": customer, "error": error, "types": TYPE_CHOICES,
        "priorities": PRIORITY_CHOICES, "channels": CHANNEL_CHOICES,
        "categories": sorted(selectors.category_paths().items(), key=lambda kv: kv[1]),
        "post": request.POST},
        status=400 if error else 200)


@staff_required
def customers_view(request):
    from kefu.core.pagination import keyset_page

    qs = customers_for(request.user).select_related("tier", "branch")
    q = (request.GET.get("q") or "").strip()[:200]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(phone__icontains=q)
                       | Q(email__icontains=q))
    tier = request.GET.get("tier")
    if tier:
        qs = qs.filter(tier__code=tier)
    try:
        rows, next_cursor = keyset_page(qs, field="id", descending=True,
                                        cursor=request.GET.get("cursor"), limit=25)
    except ApplicationError:
        rows, next_cursor = [], None
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(request, "console/customers.html", {
        "rows": rows, "next_cursor": next_cursor, "q": q, "tier": tier,
        "tiers": Tier.objects.all(), "query_string": params.urlencode()})


@staff_required
def customer_view(request, customer_id):
    customer = customer_get_for(request.user, customer_id)
    return render(request, "console/customer.html", {
        "customer": customer,
        "preferences": list(customer.preferences.all()),
        "contacts": list(customer.contacts.all()),
        "customer_tags": list(customer.tags.all()),
        "tickets": list(tickets_for(request.user).filter(customer=customer)
                        .select_related("owner").order_by("-created_at")[:20]),
        "timeline": customer_timeline(customer, viewer=request.user, limit=50),
        "categories": PreferenceNote.Category.choices,
        "can_write": request.user.can_write,
    })


@require_POST
@staff_required
def preference_add_view(request, customer_id):
    customer = customer_get_for(request.user, customer_id)
    try:
        preference_add(customer=customer, actor=request.user, text=request.POST.get("text", ""),
                       category=request.POST.get("category", "other"),
                       important=request.POST.get("important") == "1")
        messages.success(request, _("Preference saved."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("console:customer", customer_id=customer_id)
