"""Console pages of proactive care (mounted at the site root, namespace "proactive")."""

from django.urls import path

from . import household_views, settings_views, views

app_name = "proactive"
urlpatterns = [
    path("care/", views.care_list, name="care_list"),
    path("care/tasks/<int:task_id>/outcome/", views.care_outcome, name="care_outcome"),
    path("care/products/", views.products, name="products"),
    path("care/purchases/new/", views.purchase_new, name="purchase_new"),
    path("care/report/", views.report, name="report"),
    path("care/settings/", settings_views.settings_page, name="settings"),
    path("care/customers/<int:customer_id>/", views.customer_card, name="customer_card"),
    path("care/customers/<int:customer_id>/opt-out/", views.opt_out, name="opt_out"),
    path("care/customers/<int:customer_id>/household/", household_views.household,
         name="household"),
    path("care/customers/<int:customer_id>/containers/", household_views.container_save,
         name="container_save"),
    path("care/customers/<int:customer_id>/containers/<int:container_id>/remove/",
         household_views.container_remove, name="container_remove"),
    path("care/customers/<int:customer_id>/readings/", household_views.reading_save,
         name="reading_save"),
    path("care/customers/<int:customer_id>/dates/", household_views.date_save, name="date_save"),
    path("care/customers/<int:customer_id>/dates/<int:special_date_id>/remove/",
         household_views.date_remove, name="date_remove"),
]
