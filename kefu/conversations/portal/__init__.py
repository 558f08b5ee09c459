"""The customer portal (/portal/) and the embeddable web form (/portal/form/).

``services.py`` holds every write (sign-up, one-time links, profile, filing and answering),
``views.py`` the pages, ``forms.py`` the input checks; docs/portal.md explains the security
decisions (claiming customer records, CSRF on the web form, rate limits).
"""
