"""Voice of the customer (服务质量测量): survey instruments (CSAT, NPS, CES, SERVQUAL and
its three-column, SERVPERF and management-perception forms, custom surveys), their versions
and questions, distribution (waves, CSAT after resolution, invitations with single-use
links, reminders), answering (public page, portal, console, API) and the rollups that the
dashboards read. See docs/surveys.md."""
