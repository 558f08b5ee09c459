"""Console URLs of the workflow features (mounted at the site root, namespace "workflow")."""


from .views import complaint, handoff, recovery, sla

app_name = "workflow"

urlpatterns = [
    *sla.urlpatterns,
    *handoff.urlpatterns,
    *complaint.urlpatterns,
    *recovery.urlpatterns,
]
