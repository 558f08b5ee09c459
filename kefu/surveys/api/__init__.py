"""Survey endpoints under /api/v1/surveys/… (mounted by kefu.api.app).

- instruments, versions and questions: staff read, administrators write;
- waves: supervisors and administrators (auditors read);
- invitations: a customer their own, staff as ``access.invitations_for`` scopes them;
- ``POST /surveys/responses``: answer by the link's token — public (no API token), limited
  per client address; ``POST /surveys/invitations/{id}/response``: the signed-in respondent;
- responses: staff, scoped, newest first with cursor pagination.
"""

from ninja import Router

from .distribution import router as distribution_router
from .instruments import router as instruments_router
from .responses import router as responses_router

router = Router()
for sub in (instruments_router, distribution_router, responses_router):
    router.add_router("", sub)
