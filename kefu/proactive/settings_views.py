"""``/care/settings/``: the care list's thresholds (churn risk, VIP silence, how far ahead
dates are listed, …). Staff read them; administrators change them — the next daily run
uses the new values."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError

from . import care_settings, rules
from .models import THRESHOLD_FIELDS, CareSettings, CareSettingsChange


def _rows(values) -> list[dict]:
    out = []
    for name in THRESHOLD_FIELDS:
        low, high = rules.LIMITS[name]
        out.append({"name": name, "label": care_settings.label(name), "value": values.get(name),
                    "default": getattr(rules.DEFAULTS, name), "low": low, "high": high,
                    "step": "0.01" if name in rules.FRACTIONS else "1"})
    return out


@staff_required
def settings_page(request):
    can_edit = request.user.role == Role.ADMIN
    row = CareSettings.objects.filter(pk=1).first() or CareSettings()  # no write on a GET
    current = {name: getattr(row, name) for name in THRESHOLD_FIELDS}
    status = 200
    values = current
    if request.method == "POST":
        if not can_edit:
            return render(request, "console/forbidden.html", status=403)
        values = {name: request.POST.get(name, "") for name in THRESHOLD_FIELDS}
        try:
            care_settings.care_settings_save(actor=request.user, values=values)
            messages.success(request, _("Settings saved: the next care list uses them."))
            return redirect("proactive:settings")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = 400
    return render(request, "proactive/settings.html", {
        "rows": _rows(values), "row": row, "can_edit": can_edit,
        "changes": CareSettingsChange.objects.select_related("actor")[:10]}, status=status)
