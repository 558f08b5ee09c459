"""Console URLs of the workflow features (mounted at the site root, namespace "workflow")."""


from .views import complaint, handoff, panels, recovery, sla

app_name = "workflow"

urlpatterns = [
    *panels.urlpatterns,
    *sla.urlpatterns,
    *handoff.urlpatterns,
    *complaint.urlpatterns,
    *recovery.urlpatterns,
]
