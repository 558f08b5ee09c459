"""E-mail customers before a predicted run-out, through the outbound queue: only products
that ask for it, only customers who agreed to e-mail and did not opt out of proactive
contact, once per run-out cycle."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import OptOut, Product, Reminder, RunOutForecast


def reminder_text(*, customer_name: str, product: Product, when: date, language: str) -> tuple[str, str]:
    """(subject, body) in the customer's language."""
    with translation.override(language):
        name = product.label
        subject = _("Your %(product)s will run out soon") % {"product": name}
        body = _("Dear %(name)s,\n\nby our records your %(product)s will run out around "
                 "%(date)s. Reply to this e-mail or call us and we will deliver a refill in "
                 "good time.\n\nIf you prefer not to receive these reminders, just tell us.") % {
            "name": customer_name, "product": name, "date": when.isoformat()}
    return subject, body


def send_run_out_reminders(today: date | None = None) -> int:
    from kefu.conversations.outbound import email_language, queue_notification

    today = today or timezone.localdate()
    products = {p.pk: p for p in Product.objects.filter(active=True, remind_customers=True)}
    if not products:
        return 0
    horizon = today + timedelta(days=max(p.lead_days for p in products.values()))
    opted = OptOut.objects.values("customer_id")
    due = (RunOutForecast.objects.filter(product_id__in=list(products), low__lte=horizon,
                                         customer__consent_email=True)
           .exclude(customer__email="").exclude(customer_id__in=opted)
           .select_related("customer"))
    sent = 0
    for f in due:
        product = products[f.product_id]
        if (f.low - today).days > product.lead_days or f.date < today:
            continue
        key = f"run_out:{product.pk}:{(f.last_purchase or f.date).isoformat()}"
        customer = f.customer
        language = email_language(customer.language)
        name = customer.name_en if language == "en" and customer.name_en else customer.name
        subject, body = reminder_text(customer_name=name, product=product, when=f.date,
                                      language=language)
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(customer=customer, key=key,
                                                   created_at=timezone.now())
                row = queue_notification(to_address=customer.email, subject=subject, body=body,
                                         language=language)
                reminder.outbound_id = row.pk if row else None
                reminder.save(update_fields=["outbound_id"])
        except IntegrityError:  # reminded already for this cycle
            continue
        sent += 1
    return sent
